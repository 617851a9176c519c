"""The README's first command, end to end: `tongxin demo` on a fresh data directory, twice, then serving."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

TONGXIN = str(Path(sys.executable).with_name("tongxin"))


def _env(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TONGXIN_FIELD_KEY", "SECRET_KEY")}
    env["TONGXIN_DATA_DIR"] = str(data_dir)
    env.pop("TONGXIN_TESTING", None)
    return env


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("demo")
    for attempt in (1, 2):
        run = subprocess.run([TONGXIN, "demo", "--no-serve", "--data-dir", str(data_dir)], env=_env(data_dir),
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, f"run {attempt}: {run.stderr[-2000:]}"
    return data_dir, run.stdout


def test_demo_twice_succeeds_and_prints_the_accounts(demo_dir):
    data_dir, stdout = demo_dir
    for username in ("admin", "staff", "liaison", "association", "leader", "member"):
        assert f"  {username} " in stdout
    key_file = data_dir / "field.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert (data_dir / "tongxin.sqlite3").exists()


def test_personal_data_is_not_in_the_database_file_in_clear(demo_dir):
    data_dir, _ = demo_dir
    script = (
        "import json; from tongxin.people.models import Person; "
        "p = Person.objects.exclude(id_number='').exclude(phone='').order_by('pk')[:5]; "
        "print(json.dumps([[x.id_number, x.phone] for x in p]))"
    )
    run = subprocess.run([TONGXIN, "shell", "-c", script], env=_env(data_dir), capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    pairs = json.loads(run.stdout.strip().splitlines()[-1])
    assert len(pairs) == 5
    blob = b"".join(p.read_bytes() for p in data_dir.glob("tongxin.sqlite3*"))
    for id_number, phone in pairs:
        assert len(id_number) == 18 and len(phone) == 11
        assert id_number.encode() not in blob
        assert phone.encode() not in blob


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_serves_the_site_with_static_files(demo_dir):
    data_dir, _ = demo_dir
    port = _free_port()
    server = subprocess.Popen([TONGXIN, "demo", "--data-dir", str(data_dir), "--bind", f"127.0.0.1:{port}",
                               "--workers", "1"], env=_env(data_dir), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        deadline = time.monotonic() + 120
        while True:
            try:
                page = opener.open(f"{base}/login/", timeout=5).read().decode()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.5)
        token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "staff",
                                       "password": "Tongxin@2026"}).encode()
        opener.open(urllib.request.Request(f"{base}/login/", data=form,  # noqa: S310 - http on loopback
                                           headers={"Referer": f"{base}/login/"}))
        home = opener.open(f"{base}/", timeout=10).read().decode()
        assert "人士库人数" in home and "船山区" in home
        css = home.split('<link rel="stylesheet" href="', 1)[1].split('"', 1)[0]
        response = opener.open(base + css, timeout=10)
        assert response.status == 200 and len(response.read()) > 100_000
    finally:
        server.terminate()
        server.wait(timeout=30)
