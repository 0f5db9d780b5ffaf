"""``policydesk serve`` and ``policydesk feedback export``: thin commands over the UI and the feedback store.

Registered on the ``policydesk`` group by ``assistant.cli``; import the group from there.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from typing import Any

import click

from assistant.cli import index_options, load_config, writer_option

AUTH_ENV = "POLICYDESK_AUTH"
AUTH_FILE_ENV = "POLICYDESK_AUTH_FILE"


def parse_auth(environ: dict[str, str] | os._Environ[str]) -> list[tuple[str, str]]:
    """Users from ``POLICYDESK_AUTH=user:pw[,user2:pw2]`` or the file ``POLICYDESK_AUTH_FILE`` (one per line).

    The first user is the admin. Passwords are never logged; a malformed entry is an error naming its position.
    """
    text = environ.get(AUTH_ENV, "")
    if not text and environ.get(AUTH_FILE_ENV):
        path = Path(environ[AUTH_FILE_ENV])
        try:
            text = ",".join(path.read_text(encoding="utf-8").split())
        except OSError as exc:
            raise click.UsageError(f"{AUTH_FILE_ENV} names {path}, which cannot be read ({exc.strerror}).") from exc
    users = []
    for position, entry in enumerate(filter(None, (e.strip() for e in text.split(","))), start=1):
        user, sep, password = entry.partition(":")
        if not (sep and user and password):
            raise click.UsageError(f"Auth entry {position} must look like user:password.")
        users.append((user, password))
    return users


def is_loopback(host: str) -> bool:
    """True for localhost / 127.x / ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (0.0.0.0 exposes the app).")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    help="Requests answered at once; the others queue [default 8].",
)
@index_options
@writer_option
def serve_command(host: str, port: int, concurrency: int | None, overrides: dict[str, Any]) -> None:
    """Open the PolicyDesk web app (chat with cited answers, draft replies, documents) in a browser.

    Set POLICYDESK_AUTH=user:password[,user2:pw2] (or POLICYDESK_AUTH_FILE) to require a login; the first
    user is the admin who may upload and remove documents.
    """
    from assistant.ui import CONCURRENCY, build_app, launch_options
    from assistant.ui_handlers import Handlers, load_assistant

    config = load_config(overrides)
    users = parse_auth(os.environ)
    if not users and not is_loopback(host):
        click.echo(
            f"WARNING: serving on {host} without a login: anyone who can reach this address can use PolicyDesk. "
            f"Set {AUTH_ENV}=user:password to require one.",
            err=True,
        )
    handlers = Handlers(load_assistant(config), config, admin=users[0][0] if users else None)
    app = build_app(handlers, concurrency=concurrency or CONCURRENCY)
    click.echo(f"PolicyDesk at http://{host}:{port}  (Ctrl+C to stop)", err=True)
    app.launch(server_name=host, server_port=port, auth=users or None, **launch_options(handlers))


@click.group("feedback")
def feedback_group() -> None:
    """Users' thumbs up/down on answers (stored in the index folder)."""


@feedback_group.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="JSONL file to write (default stdout).")
@index_options
def feedback_export_command(out: Path | None, overrides: dict[str, Any]) -> None:
    """Write the stored feedback as eval-question JSONL lines (a thumbs-down is a case to fix)."""
    from assistant.feedback import export_eval_questions

    config = load_config(overrides)
    if out is None:
        count = export_eval_questions(config.index_dir, sys.stdout)
    else:
        with out.open("w", encoding="utf-8") as stream:
            count = export_eval_questions(config.index_dir, stream)
    click.echo(f"Exported {count} feedback line(s).", err=True)
