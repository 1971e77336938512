"""`make sqlmap`: run sqlmap against the app on 127.0.0.1 with demo data, signed in.

Not part of `make test` (it takes minutes). Exit status 1 if sqlmap reports any injection
point, 2 if the set-up itself failed. Usage: python -m tests.security.sqlmap_run [SQLMAP]
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOUND = re.compile(
    r"(identified the following injection point|is vulnerable|appears to be .*injectable)", re.I
)
NOT_FOUND = re.compile(r"do(es)? not (seem|appear) to be injectable", re.I)

# The demo seed leaves meeting creation to the worker; make the next weeks' meetings here.
MEETINGS = """
from triage import create_app
from triage.extensions import db
from triage.services import marac_meetings
from triage.services.actor import Actor
from triage.timeutil import utcnow
app = create_app("development")
with app.app_context():
    marac_meetings.ensure_meetings(now=utcnow(), weeks=4, actor=Actor.system("sqlmap"))
    db.session.commit()
"""

SERVER = """
import sys
from triage import create_app
app = create_app("development", RATELIMIT_LOGIN="100000 per minute")
app.run(host="127.0.0.1", port=int(sys.argv[1]), use_reloader=False, debug=False)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flask(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return result.stdout


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> str:
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, data=body, timeout=30) as response:
            return response.read().decode()

    def csrf(self, path: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path)).group(1)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def sign_in(base: str, env: dict, local: str) -> Browser:
    from triage.services.demo import DEMO_DOMAIN, demo_password

    browser = Browser(base)
    email = f"{local}@{DEMO_DOMAIN}"
    token = browser.csrf("/sign-in")
    browser.post(
        "/sign-in", {"email": email, "password": demo_password(local), "csrf_token": token}
    )
    code = _flask(env, "triage", "demo-code", email).split()[-1]
    page = browser.post(
        "/sign-in/code", {"code": code, "csrf_token": browser.csrf("/sign-in/code")}
    )
    if "Sign out" not in page:
        raise RuntimeError(f"could not sign in as {email}")
    return browser


def targets(base: str, env: dict) -> list[tuple[str, list[str]]]:
    screener = sign_in(base, env, "screener")
    admin = sign_in(base, env, "admin")
    coordinator = sign_in(base, env, "coordinator")
    token = _flask(env, "triage", "create-token", "--email", "screener@demo.triage.test").strip()
    idva_token = _flask(env, "triage", "create-token", "--email", "idva@demo.triage.test").strip()
    anonymous = Browser(base)
    sign_in_csrf = anonymous.csrf("/sign-in")
    s_csrf, a_csrf = screener.csrf("/account"), admin.csrf("/account")
    referral = re.search(r'href="/referrals/(\d+)"', screener.get("/screening/"))
    referral_id = referral.group(1) if referral else "1"
    meeting = re.search(r'href="/marac/meetings/(\d+)"', coordinator.get("/marac/"))
    meeting_id = meeting.group(1) if meeting else "1"
    with_screener = ["--cookie", screener.cookie_header()]
    with_admin = ["--cookie", admin.cookie_header()]
    return [
        (
            "sign-in form",
            [
                "-u",
                f"{base}/sign-in",
                "--data",
                f"email=a%40b.test&password=x&csrf_token={sign_in_csrf}",
                "--skip",
                "csrf_token",
                "--cookie",
                anonymous.cookie_header(),
                "--ignore-code",
                "401",  # a wrong password is answered 401: that is the page under test
            ],
        ),
        (
            "morning list filters",
            [
                "-u",
                f"{base}/screening/?due=all&risk=high&source=police&marac=1&mcic=1",
                *with_screener,
            ],
        ),
        ("referral page id", ["-u", f"{base}/referrals/{referral_id}*", *with_screener]),
        (
            "offer form",
            [
                "-u",
                f"{base}/referrals/{referral_id}/offer",
                "--data",
                f"method=phone&outcome=accepted&csrf_token={s_csrf}",
                "--skip",
                "csrf_token",
                *with_screener,
            ],
        ),
        (
            "MARAC agenda id",
            ["-u", f"{base}/marac/meetings/{meeting_id}*", "--cookie", coordinator.cookie_header()],
        ),
        (
            "audit search",
            [
                "-u",
                f"{base}/admin/audit/search",
                "--data",
                f"reference=REF-1&csrf_token={a_csrf}",
                "--skip",
                "csrf_token",
                *with_admin,
            ],
        ),
        (
            "subject access",
            [
                "-u",
                f"{base}/admin/subject-access",
                "--data",
                f"person_id=1&csrf_token={a_csrf}",
                "--skip",
                "csrf_token",
                *with_admin,
            ],
        ),
        ("admin user id", ["-u", f"{base}/admin/users/1*", *with_admin]),
        (
            "API referral id",
            [
                "-u",
                f"{base}/api/v1/referrals/{referral_id}*",
                "-H",
                f"Authorization: Bearer {token}",
            ],
        ),
        (
            "API create referral",
            [
                "-u",
                f"{base}/api/v1/referrals",
                "--data",
                '{"source_agency":"police","referrer_name":"PC A","police_reference":"X1"}',
                "-H",
                f"Authorization: Bearer {idva_token}",
                "-H",
                "Content-Type: application/json",
            ],
        ),
    ]


def main() -> int:
    sqlmap = sys.argv[1] if len(sys.argv) > 1 else shutil.which("sqlmap")
    if not sqlmap:
        print("sqlmap is not installed (make sqlmap installs it)", file=sys.stderr)
        return 2
    instance = Path(tempfile.mkdtemp(prefix="triage-sqlmap-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(TRIAGE_ENV="development", TRIAGE_INSTANCE_PATH=str(instance))
    _flask(env, "db", "upgrade")
    _flask(env, "triage", "seed-demo")
    subprocess.run([sys.executable, "-c", MEETINGS], cwd=ROOT, env=env, check=True, timeout=120)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (instance / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()  # noqa: S310
                break
            except OSError:
                time.sleep(0.3)
        found, untested = [], []
        for name, args in targets(base, env):
            command = [
                sqlmap,
                *args,
                "--batch",
                "--level",
                "2",
                "--risk",
                "1",
                "--dbms",
                "SQLite",
                "--flush-session",
                "--output-dir",
                str(instance / "sqlmap"),
                "--disable-coloring",
                "--timeout",
                "15",
                "--retries",
                "1",
                "--time-sec",
                "2",
            ]
            print(f"== {name}", flush=True)
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=1800, check=False
            )
            output = result.stdout + result.stderr
            verdict = "INJECTABLE" if FOUND.search(output) else "not injectable"
            if not FOUND.search(output) and not NOT_FOUND.search(output):
                verdict = "no verdict (see log)"
                untested.append(name)
            (instance / f"sqlmap-{name.replace(' ', '_')}.log").write_text(output)
            print(f"   {verdict}", flush=True)
            if FOUND.search(output):
                found.append(name)
        print(f"sqlmap logs: {instance}")
        if found:
            print("sqlmap reported injection in: " + ", ".join(found), file=sys.stderr)
            return 1
        if untested:
            print("sqlmap could not test: " + ", ".join(untested), file=sys.stderr)
            return 2
        print("sqlmap found no injection point.")
        return 0
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


if __name__ == "__main__":
    sys.exit(main())
