app_name = "liaison"

urlpatterns: list = []
