"""The files that make an athlete's page work offline: web app manifest, icon, service worker."""

from __future__ import annotations

import functools
import hashlib
import json

import jinja2

from generator.i18n import words
from generator.plan import Plan
from generator.render.environment import asset_source, load_template
from generator.render.jsonfile import float_free_json

# What the service worker keeps on the phone, if the build made it (the PDF may be skipped).
PRECACHED = ("index.html", "plan.js", "drawings.svg", "plan.pdf", "plan.ics",
             "manifest.webmanifest", "icon.svg")
# ... of which these are the same bytes object for every athlete of a build: hashed once.
SHARED = frozenset(("plan.js", "drawings.svg", "icon.svg"))


def revision(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


@functools.lru_cache(maxsize=32)  # a bytes object keeps its hash(): found at once
def _shared_revision(data: bytes) -> str:
    return revision(data)


def manifest(plan: Plan) -> bytes:
    say = words(plan.language).gettext
    document = {
        "name": say("Rehab plan · %(name)s", name=plan.athlete_name),
        "short_name": say("Rehab plan"),
        **({"lang": plan.language} if plan.language != "en" else {}),
        "start_url": "./",
        "scope": "./",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5cad",
        "icons": [{"src": "icon.svg", "sizes": "any", "type": "image/svg+xml"}],
    }
    return (float_free_json(document) + "\n").encode()


@functools.lru_cache(maxsize=8)  # a build's environment: read once a build, as plan.js is
def icon(env: jinja2.Environment) -> bytes:
    return asset_source(env, "assets/icon.svg").encode()


def service_worker(env: jinja2.Environment, files: dict[str, bytes]) -> bytes:
    """sw.js listing every precached file with the hash of the bytes this build wrote."""
    precache = [["./" if name == "index.html" else name,
                 (_shared_revision if name in SHARED else revision)(files[name])]
                for name in PRECACHED if name in files]
    version = revision(json.dumps(precache).encode())
    text = load_template(env, "assets/sw.js").render(precache=precache, version=version)
    return text.encode()


def offline_files(env: jinja2.Environment, plan: Plan, files: dict[str, bytes]) -> dict[str, bytes]:
    """Manifest, icon and service worker for a folder whose other files are `files`."""
    made = {"manifest.webmanifest": manifest(plan), "icon.svg": icon(env)}
    made["sw.js"] = service_worker(env, {**files, **made})
    return made
