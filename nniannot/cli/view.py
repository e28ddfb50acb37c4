"""``nni-annot view``: open the web viewer on a home's experiment store."""

from __future__ import annotations

import click

from nniannot.cli.common import examples, resolve_exp


@click.command(
    epilog=examples(
        "nni-annot view                        # every experiment in ~/.nni-annot",
        "nni-annot view latest --no-browser    # print the address of the newest experiment's page",
        "nni-annot view --home runs --port 0   # another home, any free port",
    )
)
@click.argument("exp", required=False)
@click.option(
    "--home",
    metavar="DIR",
    default=None,
    help="Where experiments live (default $NNIANNOT_HOME or ~/.nni-annot).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; anything but loopback is reachable by others.",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port (0: any free port)."
)
@click.option("--no-browser", is_flag=True, help="Do not open a web browser.")
def view(exp: str | None, home: str | None, host: str, port: int, no_browser: bool) -> None:
    """Browse experiments in the web viewer (EXP: open that experiment's page)."""
    from nniannot.runner.home import Home
    from nniannot.viewer.server import is_loopback, start_server

    store_path = Home.resolve(home).store_path
    path = ""
    if exp:
        from nniannot.runner.store import open_reader

        with open_reader(store_path) as reader:
            path = f"experiments/{resolve_exp(reader, exp)}"
    if not is_loopback(host):
        click.echo(
            f"warning: binding to {host}: anyone who can reach this address can see your experiments and "
            "stop or kill their trials; use --host 127.0.0.1 unless you mean it",
            err=True,
        )
    try:
        server = start_server(store_path, host, port, thread=False)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    url = server.url + path
    click.echo(f"nni-annot viewer on {url} (Ctrl-C to stop)")
    if not no_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        server.server.serve_forever()
    except KeyboardInterrupt:
        click.echo("viewer stopped")
    finally:
        server.server.server_close()


def register(group: click.Group) -> None:
    group.add_command(view)
