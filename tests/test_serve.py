"""`rehab serve`: real HTTP on 127.0.0.1, rebuild on change, live reload, errors on the page."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
from factories import PROFILE_YAML, TODAY

import generator.write
from generator.config import Settings
from generator.errors import InputError
from generator.serve import Preview, make_server, watch

TIMEOUT = 10  # seconds: no test may hang on the server


@pytest.fixture
def preview(project):
    """A project with one athlete, served on a free port in a background thread."""
    project.write_profile("ann", PROFILE_YAML.replace("Test Athlete", "Ann Original"))
    settings = Settings(plans=project.plans, content=project.root / "content",
                        templates=project.root / "templates", out=project.site, today=TODAY,
                        pdf=False, jobs=1)
    messages: list[str] = []
    session = Preview(settings, echo=messages.append)
    session.poll()
    server = make_server(session, port=0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    session.url = f"http://127.0.0.1:{server.server_address[1]}"
    session.messages = messages
    session.project = project
    yield session
    server.shutdown()
    server.server_close()
    thread.join(TIMEOUT)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, ""


def status_of(url: str) -> int:
    """The HTTP status, after reading the whole body (a PDF is read as bytes)."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def ann_page(preview) -> str:
    status, body = get(f"{preview.url}/{preview.project.folder('ann').name}/")
    assert status == 200
    return body


def test_serves_the_site_on_localhost_only_with_a_reload_script(preview):
    assert preview.url.startswith("http://127.0.0.1:")
    body = ann_page(preview)
    assert "Ann Original" in body
    assert '<script src="/__livereload.js"' in body
    status, script = get(f"{preview.url}/__livereload.js")
    assert status == 200 and "/__reload" in script
    # The served copy's policy lets this server's script run (a blocked one reloads nothing)
    assert "script-src 'self';" in body
    # Injected at serve time only: the file in site/ has no reload script.
    on_disk = (preview.project.folder("ann") / "index.html").read_text("utf-8")
    assert "__livereload" not in on_disk
    assert "script-src 'self';" in on_disk
    status, index = get(f"{preview.url}/")  # a serve-only list: site/ itself lists nobody
    assert status == 200 and f'href="/{preview.project.folder("ann").name}/"' in index
    assert not (preview.project.site / "index.html").exists()


def test_a_changed_profile_is_rebuilt_and_the_generation_moves_on(preview):
    generation = json.loads(get(f"{preview.url}/__reload")[1])["generation"]
    preview.project.write_profile("ann", PROFILE_YAML.replace("Test Athlete", "Ann Renamed"))
    assert preview.poll()
    assert json.loads(get(f"{preview.url}/__reload")[1])["generation"] > generation
    assert "Ann Renamed" in ann_page(preview)
    assert any("built  ann" in m and "profile changed" in m for m in preview.messages)


def test_an_open_page_hears_of_a_rebuild_as_soon_as_it_is_done(preview):
    """The page's script asks /__reload?after=N; the answer waits for the next generation."""
    generation = json.loads(get(f"{preview.url}/__reload")[1])["generation"]
    answers: list[dict] = []
    waiting = threading.Thread(target=lambda: answers.append(json.loads(
        get(f"{preview.url}/__reload?after={generation}")[1])), daemon=True)
    waiting.start()
    waiting.join(0.3)
    assert waiting.is_alive() and answers == []  # nothing new yet: no answer
    preview.project.write_profile("ann", PROFILE_YAML.replace("Test Athlete", "Ann Renamed"))
    assert preview.poll()
    waiting.join(TIMEOUT)
    assert answers and answers[0]["generation"] > generation
    older = json.loads(get(f"{preview.url}/__reload?after={generation}")[1])["generation"]
    assert older > generation  # a page older than the last rebuild is answered at once


def test_a_broken_profile_shows_its_error_over_the_last_good_plan(preview):
    preview.project.write_profile("ann", "name: Ann Broken\ninjury: {side: left}\n")
    preview.poll()
    body = ann_page(preview)
    assert 'role="alert"' in body
    assert "injury.protocol" in body and "is missing" in body
    assert "Ann Original" in body  # the last good plan stays underneath
    assert any("failed  ann" in m for m in preview.messages)
    assert any("injury.protocol" in m for m in preview.messages)  # and in the terminal

    preview.project.write_profile("ann", PROFILE_YAML.replace("Test Athlete", "Ann Fixed"))
    preview.poll()
    body = ann_page(preview)
    assert 'role="alert"' not in body
    assert "Ann Fixed" in body


def test_a_broken_template_is_shown_on_every_page_and_the_site_stays(preview):
    (preview.project.root / "templates" / "plan.html").write_text(
        "{% block content %}\n{% if %}\n", encoding="utf-8")
    preview.poll()
    body = ann_page(preview)
    assert 'role="alert"' in body and "template error" in body
    assert "Ann Original" in body


def test_unknown_paths_are_404_and_nothing_outside_the_site_is_served(preview):
    assert get(f"{preview.url}/nobody/")[0] == 404
    assert get(f"{preview.url}/../plans/ann.yaml")[0] == 404


def raw_request(preview, request: bytes) -> bytes:
    """What the server answers to exactly these bytes."""
    port = int(preview.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def status_line(answer: bytes) -> str:
    return answer.split(b"\r\n", 1)[0].decode("latin-1")


HOSTS = {
    "127.0.0.1:{port}": "200", "localhost:{port}": "200", "[::1]:{port}": "200",
    "LOCALHOST:{port}": "200",
    "evil.example:{port}": "403",  # DNS rebinding: a page's own name pointed at 127.0.0.1
    "evil.example": "403", "127.0.0.1": "403", "127.0.0.1:1": "403",
    "localhost.evil.example:{port}": "403", None: "403",
}


def test_only_requests_addressed_to_this_server_are_answered(preview):
    port = preview.url.rsplit(":", 1)[1]
    folder = preview.project.folder("ann").name
    for path, host in itertools.product(
            ["/", "/__reload", f"/{folder}/", f"/{folder}/plan.json"], HOSTS):
        status = HOSTS[host]
        for method in ("GET", "HEAD") if status == "403" else ("GET",):
            head = f"{method} {path} HTTP/1.1\r\nConnection: close\r\n"
            if host is not None:
                head += f"Host: {host.format(port=port)}\r\n"
            answer = raw_request(preview, (head + "\r\n").encode())
            assert status_line(answer).split()[1] == status, (method, path, host)
            if status == "403":
                assert b"ann" not in answer.lower() and b"Test Athlete" not in answer


def test_any_path_bytes_get_an_answer_never_a_traceback(preview, capfd):
    port = preview.url.rsplit(":", 1)[1]
    for path in [b"/%00", b"/%00/", b"/x%00.html", b"/%ff", b"/\xff\xfe",
                 b"/%2e%2e/%2e%2e/etc/passwd", b"/%", b"/%zz", b"//etc/passwd",
                 b"/" + b"a" * 5000, b"/\x1b]0;x\x07"]:
        answer = raw_request(preview, b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1:"
                             + port.encode() + b"\r\nConnection: close\r\n\r\n")
        assert status_line(answer).split()[1] in ("400", "404"), path[:20]
        assert b"root:" not in answer
        assert get(f"{preview.url}/")[0] == 200  # still serving
    assert "Traceback" not in "".join(capfd.readouterr()) + "".join(preview.messages)


def test_the_watcher_rebuilds_without_being_asked(preview):
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(preview, stop, 0.05), daemon=True)
    watcher.start()
    try:
        preview.project.write_profile("ann", PROFILE_YAML.replace("Test Athlete", "Ann Watched"))
        deadline = time.monotonic() + TIMEOUT
        while "Ann Watched" not in ann_page(preview):
            assert time.monotonic() < deadline, "no rebuild within the time limit"
            time.sleep(0.05)
    finally:
        stop.set()
        watcher.join(TIMEOUT)


def test_a_port_in_use_is_an_error_not_a_traceback(preview):
    busy = int(preview.url.rsplit(":", 1)[1])
    with pytest.raises(InputError, match="cannot listen on 127.0.0.1"):
        make_server(preview, port=busy)


def test_the_command_reports_a_busy_port_plainly(preview):
    busy = preview.url.rsplit(":", 1)[1]
    result = preview.project.rehab("serve", "--no-pdf", "--port", busy)
    assert result.exit_code == 1
    assert "error: --port: cannot listen on 127.0.0.1" in result.output


@pytest.fixture
def with_handouts(project):
    """ann built with her handout, served; the caller edits and polls."""
    project.write_profile("ann", PROFILE_YAML.replace("Test Athlete", "Ann Original"))
    settings = Settings(plans=project.plans, content=project.root / "content",
                        templates=project.root / "templates", out=project.site, today=TODAY,
                        jobs=1)
    messages: list[str] = []
    session = Preview(settings, echo=messages.append)
    session.poll()
    server = make_server(session, port=0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    session.url = f"http://127.0.0.1:{server.server_address[1]}"
    session.messages = messages
    session.project = project
    yield session
    server.shutdown()
    server.server_close()
    thread.join(TIMEOUT)


def test_the_page_and_the_handout_are_never_missing_during_a_rebuild(with_handouts):
    """Polled every 20 ms, over HTTP and on disk, from before the edit to after the PDF."""
    preview = with_handouts
    folder = preview.project.folder("ann")
    handout_before = (folder / "plan.pdf").read_bytes()
    urls = [f"{preview.url}/{folder.name}/", f"{preview.url}/{folder.name}/plan.pdf"]
    looks: list[tuple[str, int]] = []
    stop = threading.Event()

    def keep_looking():
        while not stop.is_set():
            for url in urls:
                looks.append((url, status_of(url)))
            for path in (folder / "index.html", folder / "plan.pdf"):
                looks.append((str(path), 200 if path.is_file() else 404))
            time.sleep(0.02)

    looker = threading.Thread(target=keep_looking, daemon=True)
    looker.start()
    try:
        time.sleep(0.1)
        preview.project.write_profile("ann", PROFILE_YAML.replace("Test Athlete", "Ann Edited"))
        assert preview.poll()
        time.sleep(0.1)
    finally:
        stop.set()
        looker.join(TIMEOUT)
    assert [look for look in looks if look[1] != 200] == []
    assert len(looks) >= 4 * 20  # at least 20 rounds: the rebuild was watched throughout
    assert "Ann Edited" in ann_page(preview)
    assert (folder / "plan.pdf").read_bytes() != handout_before


def test_an_edit_writes_each_file_once_page_first(with_handouts, monkeypatch):
    preview = with_handouts
    folder = preview.project.folder("ann")
    written: list[str] = []
    real_write = generator.write._write

    def record(path, data):
        if path.parent.name.startswith(f"{folder.name}."):  # ann's folder, staged
            written.append(path.name)
        real_write(path, data)

    monkeypatch.setattr(generator.write, "_write", record)
    preview.messages.clear()
    preview.project.write_profile("ann", PROFILE_YAML.replace("Test Athlete", "Ann Again"))
    preview.poll()
    # each file at most once; those whose bytes did not change (plan.js, the icon) not at all
    assert len(written) == len(set(written)) and set(written) <= {p.name for p in folder.iterdir()}
    assert {"index.html", "plan.json", "plan.ics", "plan.pdf", "sw.js"} <= set(written)
    assert written.index("index.html") < written.index("plan.pdf")  # the page first
    page, handout = (next(m for m in preview.messages if f"ann {part} (" in m)
                     for part in ("page", "handout"))
    assert preview.messages.index(page) < preview.messages.index(handout)
    assert "profile changed" in page and page.endswith(f"-> {folder}/")


def test_serve_names_only_the_folders_it_watches(tmp_path, monkeypatch):
    """A clinic's project of profiles alone: its content and templates are the package's,
    which do not change while it serves, so it says it watches plans/ only."""
    import generator.serve

    class Server:
        server_address = ("127.0.0.1", 8000)

        def serve_forever(self):
            raise KeyboardInterrupt

        def server_close(self):
            pass

    monkeypatch.setattr(generator.serve, "make_server", lambda preview, port: Server())
    monkeypatch.setattr(generator.serve, "watch", lambda preview, stop: None)
    (tmp_path / "plans").mkdir()
    settings = Settings(plans=tmp_path / "plans", content=tmp_path / "content",
                        templates=tmp_path / "templates", out=tmp_path / "site", today=TODAY)
    said: list[str] = []
    generator.serve.serve_forever(settings, echo=said.append)
    assert said[0] == (f"serving {tmp_path}/site/ on http://127.0.0.1:8000/ ; watching "
                       f"{tmp_path}/plans/ (Ctrl+C stops)")
    (tmp_path / "templates").mkdir()  # a template of the project's own: watched too
    said.clear()
    generator.serve.serve_forever(settings, echo=said.append)
    assert f"watching {tmp_path}/plans/, {tmp_path}/templates/ (Ctrl+C" in said[0]


def test_handouts_made_by_a_long_serve_are_the_ones_a_build_makes(with_handouts):
    """serve keeps WeasyPrint, its fonts and images loaded between rebuilds; after a profile
    edit and after a clinic's logo changed, the handout is the one `rehab build` makes."""
    preview = with_handouts
    project = preview.project
    folder = project.folder("ann").name
    templates = project.root / "templates"
    logo = templates / "assets" / "logo.svg"
    drawn = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">' \
            '<rect width="40" height="20" fill="{}"/></svg>'
    logo.write_text(drawn.format("red"), encoding="utf-8")
    handout = templates / "handout.html"
    handout.write_text(handout.read_text(encoding="utf-8").replace(
        "{% block content %}", '{% block content %}<img src="assets/logo.svg" alt="">', 1),
        encoding="utf-8")
    project.write_profile("ann", PROFILE_YAML.replace("Test Athlete", "Ann Edited"))
    assert preview.poll()
    logo.write_text(drawn.format("blue"), encoding="utf-8")
    assert preview.poll()
    assert project.rehab("build", "--jobs", "1", "--out", "fresh").exit_code == 0
    served = (project.site / folder / "plan.pdf").read_bytes()
    assert served == (project.root / "fresh" / folder / "plan.pdf").read_bytes()
