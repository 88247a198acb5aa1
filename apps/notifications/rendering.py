"""Rendering transactional emails safely.

Merchant templates are Jinja2 run in a `SandboxedEnvironment` (no file loader: a source is
compiled from the string the merchant saved; `_`, `button` and the context are all it can
reach). The context is made only of plain dicts, lists, strings, numbers and booleans built here
(`plain` enforces it), never model instances, so there is nothing to walk from. HTML bodies are
autoescaped; an unknown variable is an error (`StrictUndefined`), found when the template is
saved by rendering it on sample data, and reported with its line.

Every message is wrapped in the store's branded layout: the store's name, address and theme
colours and fonts (the storefront's tokens, `apps.stores.theme_selectors.store_theme_get`), with
inline CSS, since mail clients drop style sheets.
"""

from __future__ import annotations

import datetime
import re
import traceback
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext, ngettext
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markupsafe import Markup

from apps.notifications.catalog import SPECS, TemplateSpec

TEMPLATE_FILENAME = "<template>"
MAX_OUTPUT_CHARS = 500_000


class TemplateProblem(Exception):
    """A template that cannot be used: the sentence for people and the line it is on."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        if self.line:
            return gettext("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}
        return self.message


def plain(value: Any) -> Any:
    """`value` as plain data: dicts with string keys, lists, strings, numbers, booleans, None.
    Anything else (a model, a date, a Decimal) becomes its string, so a template never gets an
    object with methods or attributes to walk."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Decimal | datetime.date | datetime.datetime):
        return str(value)
    return str(value)


MAX_RANGE = 100
MAX_PRODUCT_CHARS = 10_000


class _Env(SandboxedEnvironment):
    """A sandbox that also refuses the `format` family on strings (a route to attributes) and
    keeps a template from making huge values (`range` capped, `*` and `**` bounded)."""

    intercepted_binops = frozenset({"*", "**"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if attr.startswith("_") or attr in {"format", "format_map", "mro"}:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > 100:
                raise SecurityError(gettext("That number is too large."))
            return left**right
        if isinstance(left, str | list) and isinstance(right, int) and len(left) * right > MAX_PRODUCT_CHARS:
            raise SecurityError(gettext("That value is too long."))
        if isinstance(right, str | list) and isinstance(left, int) and len(right) * left > MAX_PRODUCT_CHARS:
            raise SecurityError(gettext("That value is too long."))
        return left * right


def _capped_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(gettext("A range can hold at most %(max)s numbers.") % {"max": MAX_RANGE})
    return numbers


def _environment(*, html: bool) -> _Env:
    env = _Env(
        autoescape=html,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["range"] = _capped_range
    return env


HTML_ENV = _environment(html=True)
TEXT_ENV = _environment(html=False)


def _html_button(theme: dict[str, Any]) -> Any:
    def button(url: Any, label: Any) -> Markup:
        style = (
            f"display:inline-block;padding:12px 20px;background:{theme.get('primary', '#111111')};"
            f"color:{theme.get('primary_text', '#ffffff')};text-decoration:none;font-weight:700;"
            f"border-radius:{theme.get('radius', 6)}px;"
        )
        return Markup(  # noqa: S704 - every value is escaped above
            f'<a href="{escape(str(url or ""))}" style="{escape(style)}">{escape(str(label or ""))}</a>'
        )

    return button


def _text_button(url: Any, label: Any) -> str:
    return f"{label}: {url}"


def _problem_line(exc: BaseException) -> int | None:
    if isinstance(exc, TemplateSyntaxError) and exc.lineno:
        return exc.lineno
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == TEMPLATE_FILENAME:
            line = frame.lineno
    return line


def _compile(env: _Env, source: str) -> Any:
    # `from_string` names the template "<template>", which the traceback rewrite keeps, so a
    # runtime error can be placed on its line.
    try:
        return env.from_string(source, globals={})
    except TemplateSyntaxError as exc:
        raise TemplateProblem(exc.message or str(exc), line=exc.lineno) from None


def _render(env: _Env, source: str, context: dict[str, Any], *, html: bool) -> str:
    template = _compile(env, source)
    theme = context.get("theme") or {}
    helpers = {"button": _html_button(theme) if html else _text_button}
    try:
        output = template.render({**context, **helpers})
    except TemplateError as exc:
        raise TemplateProblem(_describe(exc), line=_problem_line(exc)) from None
    except (TypeError, ValueError, ArithmeticError, KeyError, IndexError, AttributeError) as exc:
        raise TemplateProblem(str(exc)[:300], line=_problem_line(exc)) from None
    if len(output) > MAX_OUTPUT_CHARS:
        raise TemplateProblem(gettext("The email is too long."))
    return output


def _describe(exc: TemplateError) -> str:
    message = exc.message or exc.__class__.__name__
    match = re.match(r"'(?:[^']*)' (?:has no attribute|is undefined)", message)
    if match or "undefined" in message:
        return gettext("Unknown variable: %(detail)s") % {"detail": message}
    if "unsafe" in message:
        return gettext("Not allowed: %(detail)s") % {"detail": message}
    return message


# ------------------------------------------------------------------------------
# the branded layout (ours, not editable)
# ------------------------------------------------------------------------------
LAYOUT_HTML = """<!DOCTYPE html>
<html lang="{{ language }}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ subject }}</title></head>
<body style="margin:0;padding:0;background:{{ theme.background }};color:{{ theme.text }};font-family:{{ theme.body_font }};">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:{{ theme.background }};"><tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:{{ theme.surface }};border:1px solid {{ theme.border }};border-radius:{{ theme.radius }}px;">
<tr><td style="padding:20px 24px;border-bottom:3px solid {{ theme.primary }};">{% if store.logo_url %}<img src="{{ store.logo_url }}" alt="{{ store.name }}" style="max-height:48px;border:0;">{% else %}<a href="{{ store.url }}" style="font-family:{{ theme.heading_font }};font-size:22px;font-weight:700;color:{{ theme.primary }};text-decoration:none;">{{ store.name }}</a>{% endif %}</td></tr>
<tr><td style="padding:24px;font-size:15px;line-height:1.5;color:{{ theme.text }};">{{ content }}</td></tr>
<tr><td style="padding:16px 24px;font-size:12px;line-height:1.5;color:{{ theme.muted }};border-top:1px solid {{ theme.border }};">{{ store.name }}{% for line in store.address %}<br>{{ line }}{% endfor %}{% if store.email %}<br><a href="mailto:{{ store.email }}" style="color:{{ theme.muted }};">{{ store.email }}</a>{% endif %}</td></tr>
</table></td></tr></table></body></html>
"""

LAYOUT_TEXT = """{{ store.name }}

{{ content }}
--
{{ store.name }}
{% for line in store.address %}{{ line }}
{% endfor %}{{ store.url }}
"""


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class Sources:
    subject: str
    html: str
    text: str


def sources_default(spec: TemplateSpec) -> Sources:
    return Sources(subject=spec.subject, html=spec.html, text=spec.text)


def render_sources(sources: Sources, context: dict[str, Any], *, language: str) -> Rendered:
    """Render `sources` on `context` in `language`, each body in the store's layout. Raises
    `TemplateProblem` (naming the part and line) when a part cannot be rendered."""
    context = plain(context)
    with translation.override(language or None):
        subject = " ".join(_part(TEXT_ENV, sources.subject, context, html=False, part="subject").split())
        content_html = _part(HTML_ENV, sources.html, context, html=True, part="html")
        content_text = _part(TEXT_ENV, sources.text, context, html=False, part="text")
        layout = {**context, "language": language, "subject": subject}
        # The content was rendered by the autoescaping sandbox: safe to place in the layout.
        content = Markup(content_html)  # noqa: S704
        html = _render(HTML_ENV, LAYOUT_HTML, {**layout, "content": content}, html=True)
        text = _render(TEXT_ENV, LAYOUT_TEXT, {**layout, "content": content_text.strip()}, html=False)
    return Rendered(subject=subject[:500], html=html, text=text)


class PartProblem(TemplateProblem):
    def __init__(self, problem: TemplateProblem, *, part: str) -> None:
        super().__init__(problem.message, line=problem.line)
        self.part = part


def _part(env: _Env, source: str, context: dict[str, Any], *, html: bool, part: str) -> str:
    try:
        return _render(env, source, context, html=html)
    except TemplateProblem as problem:
        raise PartProblem(problem, part=part) from None


def sources_check(sources: Sources, context: dict[str, Any]) -> dict[str, TemplateProblem]:
    """The problems of each part ("subject", "html", "text") rendered on `context` (sample
    data): a syntax error, an unknown variable, a refused attribute. Empty when all is well."""
    problems: dict[str, TemplateProblem] = {}
    context = plain(context)
    for part, env, source, html in (
        ("subject", TEXT_ENV, sources.subject, False),
        ("html", HTML_ENV, sources.html, True),
        ("text", TEXT_ENV, sources.text, False),
    ):
        try:
            _render(env, source, context, html=html)
        except TemplateProblem as problem:
            problems[part] = problem
    return problems


def default_messages() -> set[str]:
    """Every sentence the default sources pass to `_()` (kept in step with
    `apps.notifications.messages` by a test)."""
    found: set[str] = set()
    for spec in SPECS.values():
        for source in (spec.subject, spec.html, spec.text):
            ast = HTML_ENV.parse(source)
            for call in ast.find_all(nodes.Call):
                if isinstance(call.node, nodes.Name) and call.node.name == "_" and call.args:
                    first = call.args[0]
                    if isinstance(first, nodes.Const) and isinstance(first.value, str):
                        found.add(first.value)
    for source in (LAYOUT_HTML, LAYOUT_TEXT):
        HTML_ENV.parse(source)
    return found
