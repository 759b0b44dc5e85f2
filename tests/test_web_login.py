"""Who may use the front desk: login-free only on 127.0.0.1, ::1 and localhost; on any
other address users are required. Tested for real on 127.0.0.2 (another loopback
address: reachable from nothing outside this machine)."""

from __future__ import annotations

import ssl

import httpx
import pytest

from conftest import PASSWORD, USER
from helpers import run_cli_in
from web_helpers import ThreadServer, csrf_of, desk_workspace


def sign_in(client: httpx.Client, name=USER, password=PASSWORD) -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"csrf": token, "name": name, "password": password,
                                       "next": "/?q=cipro"})


@pytest.mark.parametrize("host", ["127.0.0.2", "0.0.0.0", "::"])
def test_serve_refuses_a_non_loopback_address_without_users(tmp_path, monkeypatch, host):
    desk_workspace(tmp_path)
    result = run_cli_in(monkeypatch, tmp_path, "serve", "--host", host, "--port", "0")
    assert result.exit_code == 2
    assert f"will not listen on {host} without users" in result.output
    assert "handouts user add NAME" in result.output


def test_user_add_keeps_an_argon2_hash_outside_content(tmp_path, monkeypatch):
    desk_workspace(tmp_path)
    result = user_add(monkeypatch, tmp_path, "reception", "a long enough secret\n")
    assert result.exit_code == 0, result.output
    users = tmp_path / "handouts-users.yaml"
    text = users.read_text()
    assert "reception: '$argon2id$" in text and "a long enough secret" not in text
    assert oct(users.stat().st_mode & 0o777) == "0o600"
    from handouts.web.auth import Users

    assert Users(users).verify("reception", "a long enough secret")
    assert not Users(users).verify("reception", "a long enough secreT")
    short = user_add(monkeypatch, tmp_path, "x", "too short\n")
    assert short.exit_code == 2 and "10 to 1024 characters" in short.output


def user_add(monkeypatch, cwd, name, typed):
    from click.testing import CliRunner

    from handouts.cli import main

    monkeypatch.chdir(cwd)
    return CliRunner().invoke(main, ["user", "add", name, "--password-stdin"], input=typed)


def test_users_file_inside_content_is_refused(tmp_path, monkeypatch):
    desk_workspace(tmp_path)
    config = tmp_path / "handouts.yaml"
    config.write_text(config.read_text() + "serve:\n  users: content/users.yaml\n")
    result = run_cli_in(monkeypatch, tmp_path, "serve", "--host", "127.0.0.2")
    assert result.exit_code == 2 and "inside the content folder" in result.output


def test_every_page_but_healthz_needs_a_login(login_url):
    with httpx.Client(base_url=login_url) as client:
        assert client.get("/healthz").text == "ok"
        for path in ("/", "/?q=cipro", "/handouts/ixabepilone", "/handouts/ixabepilone.pdf",
                     "/pack"):
            answer = client.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/login?next=")
        assert client.post("/pack.pdf", data={"names": "x"}).status_code == 303


def test_log_in_and_out(login_url, login_root):
    with httpx.Client(base_url=login_url) as client:
        answer = sign_in(client)
        assert answer.status_code == 303 and answer.headers["location"] == "/?q=cipro"
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert "secure" not in cookie  # plain http on 127.0.0.2: see the TLS test
        page = client.get("/?q=cipro")
        assert page.status_code == 200 and f"Sign out {USER}" in page.text
        copied = dict(client.cookies)
        out = client.post("/logout", data={"csrf": csrf_of(page.text)})
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert client.get("/").status_code == 303
    with httpx.Client(base_url=login_url, cookies=copied) as replay:
        assert replay.get("/").status_code == 303  # a copied cookie died with the logout
    actions = [(e["user"], e["action"]) for e in audit(login_root)]
    assert (USER, "login") in actions and (USER, "logout") in actions


def audit(root):
    from handouts.web.audit import AuditLog

    return AuditLog(root / "handouts-audit.log").lines()


def test_wrong_password_is_refused_and_logged_without_it(login_url, login_root):
    with httpx.Client(base_url=login_url) as client:
        answer = sign_in(client, password="Tr0ub4dor&3-wrong")
        assert answer.status_code == 401 and "do not match" in answer.text
        assert client.get("/").status_code == 303
        assert sign_in(client, name="nobody").status_code == 401
    log = (login_root / "handouts-audit.log").read_text()
    assert "Tr0ub4dor" not in log and '"action": "login-refused"' in log


def test_login_attempts_are_rate_limited(tmp_path):
    from handouts.web.auth import add_user

    root = desk_workspace(tmp_path)
    add_user(root / "handouts-users.yaml", "clerk", "the right password")
    app = _app(root)
    with ThreadServer(app, host="127.0.0.2") as url, httpx.Client(base_url=url) as client:
        codes = [sign_in(client, "clerk", f"wrong {n}").status_code for n in range(5)]
        limited = sign_in(client, "clerk", "the right password")
    assert codes == [401] * 5
    assert limited.status_code == 429 and "Too many failed sign-ins" in limited.text
    assert audit(root)[-1]["action"] == "login-limited"


def _app(root, **options):
    from handouts.web.app import create_app
    from handouts.web.serve import Options, site_for

    return create_app(site_for(Options(host="127.0.0.2", **options), "127.0.0.2", root))


def test_a_post_without_csrf_is_refused_even_when_signed_in(login_url):
    with httpx.Client(base_url=login_url) as client:
        sign_in(client)
        answer = client.post("/handouts/ixabepilone/personal.pdf", data={"for": "Pat"})
    assert answer.status_code == 403


def test_login_redirect_never_leaves_the_site(login_url):
    with httpx.Client(base_url=login_url) as client:
        for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
            token = csrf_of(client.get("/login").text)
            answer = client.post("/login", data={"csrf": token, "name": USER,
                                                 "password": PASSWORD, "next": target})
            assert answer.headers["location"] == "/"


def test_under_tls_cookies_are_secure(tmp_path):
    import trustme

    from handouts.web.auth import add_user

    root = desk_workspace(tmp_path)
    add_user(root / "handouts-users.yaml", "clerk", "the right password")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.2")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "cert.pem"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    pem = tmp_path / "cert.pem"
    app = _app(root, certfile=pem, keyfile=pem)
    trusted = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
    with ThreadServer(app, host="127.0.0.2", ssl_certfile=str(pem), verify=trusted) as url:
        with httpx.Client(base_url=url, verify=trusted) as client:
            answer = sign_in(client, "clerk", "the right password")
    assert url.startswith("https://")
    assert "secure" in answer.headers["set-cookie"].lower()
    assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_loopback_names_only_answer_to_loopback_host_headers(desk_url):
    """No DNS rebinding: a page on another site cannot reach the login-free desk by
    pointing its own name at 127.0.0.1."""
    answer = httpx.get(desk_url + "/", headers={"host": "evil.example"})
    assert answer.status_code == 400
