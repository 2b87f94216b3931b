"""The one Jinja environment every HTML page of the analysis renders with:
templates from ``analysis/templates``, HTML autoescaped, and an undefined
name an error rather than an empty string."""

from __future__ import annotations

import jinja2

environment = jinja2.Environment(
    loader=jinja2.PackageLoader("analysis", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def render(template: str, **context: object) -> str:
    return environment.get_template(template).render(context)
