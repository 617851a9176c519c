"""Offline map outlines for the dashboard's choropleth: static/reports/maps/<region prefix>.json holds the child
regions of that region as GeoJSON features whose `properties.code` is the child's official code (see the README
in that folder for adding a region). A region without a file gets bars only."""

from pathlib import Path

from django.templatetags.static import static

MAP_DIR = Path(__file__).parent / "static" / "reports" / "maps"


def map_url(code: str) -> str | None:
    if not code or not code.isdigit() or not (MAP_DIR / f"{code}.json").is_file():
        return None
    return static(f"reports/maps/{code}.json")
