"""Generate docs/cli.md from the commands' own --help, so the reference never drifts.

Run ``python -m storyline.clidocs > docs/cli.md`` after changing a command.
"""

from __future__ import annotations

import click

from .cli import cli


def _walk(group: click.Group, path: list[str]):
    for name in sorted(group.commands):
        command = group.commands[name]
        yield [*path, name], command
        if isinstance(command, click.Group):
            yield from _walk(command, [*path, name])


def render() -> str:
    out = ["# Command-line reference", "", "Generated from `--help` by `python -m storyline.clidocs > docs/cli.md`;",
           "a test fails when it is out of date.", "", "## `storyline`", "", "```"]
    with click.Context(cli, info_name="storyline", terminal_width=100) as ctx:
        out += [cli.get_help(ctx), "```", ""]
    for path, command in _walk(cli, []):
        parent = click.Context(cli, info_name="storyline", terminal_width=100)
        ctx = parent
        for part in path[:-1]:
            ctx = click.Context(ctx.command.commands[part], info_name=part, parent=ctx)  # type: ignore[attr-defined]
        with click.Context(command, info_name=path[-1], parent=ctx, terminal_width=100) as cctx:
            out += [f"## `storyline {' '.join(path)}`", "", "```", command.get_help(cctx), "```", ""]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
