app_name = "voice"

urlpatterns = []
