"""The `tongxin` console script: Django's management commands without a manage.py."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--data-dir" in argv:
        index = argv.index("--data-dir")
        if index + 1 < len(argv):
            os.environ["TONGXIN_DATA_DIR"] = os.path.abspath(argv[index + 1])
    else:
        for arg in argv:
            if arg.startswith("--data-dir="):
                os.environ["TONGXIN_DATA_DIR"] = os.path.abspath(arg.split("=", 1)[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tongxin", *argv])


if __name__ == "__main__":
    main()
