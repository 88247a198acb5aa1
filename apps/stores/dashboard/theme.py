"""The theme editor of the dashboard, at /dashboard/store/theme/: the preset, its tokens and the
home page's blocks, with the real storefront drawn with the draft in an iframe beside them.

Every change is written to the draft (`store_theme_save(publish=False)`), which shoppers never
see; Publish makes the draft the published theme (the service clears the cached theme and its
event retires the cached pages), Discard forgets it after a confirmation. Anyone with
theme.view reads the editor and its preview (finance, read-only); theme.edit changes it. Each
POST of the editor page names its `action`; every rule lives in the theme services, and a
refused change answers 400 with the message next to its field and nothing written.

The preview iframe loads the storefront with a signed pass for the signed-in user
(`apps.stores.theme_preview`); every save redirects back here, so the frame reloads with the
draft just saved.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from apps.catalog.errors import CatalogError
from apps.catalog.services import image_validate
from apps.content.services import image_upload, images_discard
from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.stores.blocks import (
    BLOCK_TYPES,
    MAX_BLOCKS,
    BlockType,
    ThemeBlock,
    block_id_new,
    block_parse,
    theme_error_text,
)
from apps.stores.dashboard.theme_forms import (
    BlockSettingsForm,
    PresetForm,
    TokensForm,
    theme_error_place,
)
from apps.stores.errors import ThemeInvalid
from apps.stores.selectors import store_settings_get
from apps.stores.theme_preview import THEME_PREVIEW_PARAM, theme_preview_token_create
from apps.stores.theme_selectors import ResolvedTheme, ThemeEditorState, store_theme_editor_get
from apps.stores.theme_services import StoreThemeInput, store_theme_draft_discard, store_theme_save
from apps.stores.themes import PRESETS

EDITOR = "dashboard:stores:theme"
SWATCH_TOKENS = ("background", "surface", "text", "primary", "accent")

# What an image setting holds while a picture chosen for it waits for the rest of the block to pass.
UPLOAD_PENDING = "/media/upload-pending"


def _input(
    working: ResolvedTheme,
    *,
    preset: str | None = None,
    tokens: dict[str, Any] | None = None,
    blocks: list[dict[str, Any]] | None = None,
) -> StoreThemeInput:
    """The working copy as the service takes it, with one part replaced."""
    return StoreThemeInput(
        preset=working.preset if preset is None else preset,
        tokens=dict(working.overrides) if tokens is None else tokens,
        blocks=[block.to_json() for block in working.blocks] if blocks is None else blocks,
    )


def _block_summary(block: ThemeBlock) -> str:
    """A line that tells two blocks of one type apart in the list."""
    for name in ("heading", "title", "text", "alt", "caption"):
        value = getattr(block.data, name, "")
        if isinstance(value, str) and value:
            return value[:80]
    return ""


def _preview_url(request: HttpRequest) -> str:
    token = theme_preview_token_create(user=request.user)
    return f"{reverse('storefront:home')}?{urlencode({THEME_PREVIEW_PARAM: token})}"


def _presets(current: str) -> list[dict[str, Any]]:
    return [
        {
            "key": preset.key,
            "label": preset.label,
            "current": preset.key == current,
            "swatches": [preset.tokens.colors[name] for name in SWATCH_TOKENS],
            "fonts": f"{preset.tokens.heading.name} / {preset.tokens.body.name}",
        }
        for preset in PRESETS.values()
    ]


def _editor(
    request: HttpRequest,
    state: ThemeEditorState,
    *,
    preset_form: PresetForm | None = None,
    tokens_form: TokensForm | None = None,
    blocks_error: str = "",
    status: int = 200,
) -> HttpResponse:
    can_edit = user_has_permission(request.user, Perm.THEME_EDIT)
    working = state.working
    context = {
        "state": state,
        "working": working,
        "can_edit": can_edit,
        "preset_form": preset_form or PresetForm(initial={"preset": working.preset}),
        "presets": _presets(working.preset),
        "tokens_form": tokens_form or TokensForm(tokens=working.tokens, read_only=not can_edit),
        "blocks": [
            {"block": block, "label": BLOCK_TYPES[block.type].label, "summary": _block_summary(block)}
            for block in working.blocks
        ],
        "block_types": [(kind.key, kind.label) for kind in BLOCK_TYPES.values()],
        "blocks_full": len(working.blocks) >= MAX_BLOCKS,
        "blocks_error": blocks_error,
        "preview_url": _preview_url(request),
    }
    return render(request, "stores/dashboard/theme.html", context, status=status)


def _saved(request: HttpRequest, message: str, anchor: str = "") -> HttpResponse:
    messages.success(request, message)
    return redirect(reverse(EDITOR) + (f"#{anchor}" if anchor else ""))


@never_cache
@permission_required(Perm.THEME_VIEW, write=Perm.THEME_EDIT)
def theme_editor(request: HttpRequest) -> HttpResponse:
    state = store_theme_editor_get()
    if request.method != "POST":
        return _editor(request, state)
    working = state.working
    action = request.POST.get("action", "")
    if action == "preset":
        preset_form = PresetForm(request.POST)
        if not preset_form.is_valid():
            return _editor(request, state, preset_form=preset_form, status=400)
        preset = preset_form.cleaned_data["preset"]
        try:
            # A new preset starts from its own tokens: overrides made for another look rarely fit.
            store_theme_save(data=_input(working, preset=preset, tokens={}), publish=False)
        except ThemeInvalid as invalid:
            for error in invalid.errors:
                theme_error_place(preset_form, error, prefix="")
            return _editor(request, state, preset_form=preset_form, status=400)
        return _saved(
            request,
            _("Preset %(name)s saved to the draft.") % {"name": PRESETS[preset].label},
            "theme-presets",
        )
    if action == "tokens":
        tokens_form = TokensForm(request.POST, tokens=working.tokens)
        if not tokens_form.is_valid():
            return _editor(request, state, tokens_form=tokens_form, status=400)
        try:
            store_theme_save(data=_input(working, tokens=tokens_form.to_tokens()), publish=False)
        except ThemeInvalid as invalid:
            for error in invalid.errors:
                theme_error_place(tokens_form, error, prefix="tokens.")
            return _editor(request, state, tokens_form=tokens_form, status=400)
        return _saved(request, _("Colours, fonts and shapes saved to the draft."), "theme-tokens")
    if action == "move":
        return _move(request, state)
    if action == "publish":
        if not state.has_draft:
            messages.info(request, _("There is no draft: what you see is already published."))
            return redirect(EDITOR)
        try:
            store_theme_save(data=_input(working), publish=True, actor=request.user)
        except ThemeInvalid as invalid:
            return _editor(request, state, blocks_error=invalid.message, status=400)
        return _saved(request, _("The theme is published: shoppers see it now."))
    return _editor(request, state, blocks_error=_("Unknown action; nothing was changed."), status=400)


def _move(request: HttpRequest, state: ThemeEditorState) -> HttpResponse:
    blocks = [block.to_json() for block in state.working.blocks]
    ids = [block["id"] for block in blocks]
    block_id = request.POST.get("block", "")
    if block_id not in ids:
        return _editor(request, state, blocks_error=_("That block is not on the page any more."), status=400)
    try:
        target = int(request.POST.get("to", ""))
    except ValueError:
        target = -1
    if not 0 <= target < len(blocks):
        error = _("A block can move to positions 1 to %(count)d.") % {"count": len(blocks)}
        return _editor(request, state, blocks_error=error, status=400)
    block = blocks.pop(ids.index(block_id))
    blocks.insert(target, block)
    try:
        store_theme_save(data=_input(state.working, blocks=blocks), publish=False)
    except ThemeInvalid as invalid:
        return _editor(request, state, blocks_error=invalid.message, status=400)
    return _saved(request, _("Block moved in the draft."), "theme-blocks")


# ------------------------------------------------------------------------------
# one block: add, edit, remove
# ------------------------------------------------------------------------------
def _block_page(
    request: HttpRequest,
    *,
    form: BlockSettingsForm,
    kind: BlockType,
    block: ThemeBlock | None,
    can_edit: bool,
    status: int = 200,
) -> HttpResponse:
    # Not "block": inside a {% block %} tag Django's template engine puts the block node there.
    context = {"form": form, "kind": kind, "theme_block": block, "can_edit": can_edit}
    return render(request, "stores/dashboard/theme_block.html", context, status=status)


def _block_get(state: ThemeEditorState, block_id: str) -> ThemeBlock:
    for block in state.working.blocks:
        if block.id == block_id:
            return block
    raise Http404(_("That block is not on the page."))


def _block_save(
    request: HttpRequest,
    *,
    state: ThemeEditorState,
    form: BlockSettingsForm,
    kind: BlockType,
    block: ThemeBlock | None,
) -> HttpResponse:
    """Checks the submitted block alone first (its errors name its own fields), then saves the
    whole working copy with it, as the draft."""
    if not form.is_valid():
        return _block_page(request, form=form, kind=kind, block=block, can_edit=True, status=400)
    data = form.to_data()
    uploads = form.uploads()
    for name, upload in uploads.items():
        try:
            image_validate(upload)
        except CatalogError as refused:
            form.add_error(form.upload_field_name(name), refused.message)
    if form.errors:
        return _block_page(request, form=form, kind=kind, block=block, can_edit=True, status=400)
    for name in uploads:
        data[name] = UPLOAD_PENDING  # a valid address while the other settings are checked
    raw: dict[str, Any] = {"id": block.id if block else block_id_new(), "type": kind.key, "data": data}
    translations = form.to_translations()
    if translations:
        raw["translations"] = translations
    stored: list[Any] = []
    try:
        parsed = block_parse(raw, path="block")
        if uploads:
            # Stored only once the block is known to be good: a refused block stores no picture.
            title = data.get("image_alt") or data.get("alt") or data.get("heading") or ""
            for name, upload in uploads.items():
                image, data[name] = image_upload(upload=upload, title=title, user=request.user)
                stored.append(image)
            parsed = block_parse(raw, path="block")
        blocks = [item.to_json() for item in state.working.blocks]
        if block is None:
            blocks.append(parsed.to_json())
        else:
            blocks = [parsed.to_json() if item["id"] == block.id else item for item in blocks]
        store_theme_save(data=_input(state.working, blocks=blocks), publish=False)
    except ThemeInvalid as invalid:
        images_discard(stored)  # the page as a whole was refused: its new pictures go too
        for error in invalid.errors:
            theme_error_place(form, error, prefix="block.data.")
        return _block_page(request, form=form, kind=kind, block=block, can_edit=True, status=400)
    message = _("%(type)s saved to the draft.") % {"type": kind.label}
    return _saved(request, message, f"theme-block-{parsed.id}")


def _other_languages() -> list[tuple[str, str]]:
    """The store's enabled languages other than its default (the block's own text), by name."""
    store = store_settings_get()
    names = dict(settings.LANGUAGES)
    return [(code, str(names.get(code, code))) for code in store.languages if code != store.default_language]


@never_cache
@permission_required(Perm.THEME_EDIT)
def theme_block_new(request: HttpRequest) -> HttpResponse:
    """Adds a block at the end of the page once its settings pass; `type` names its kind."""
    state = store_theme_editor_get()
    kind = BLOCK_TYPES.get(
        request.POST.get("type", "") if request.method == "POST" else request.GET.get("type", "")
    )
    if kind is None:
        error = _("Pick one of the block types offered; nothing was added.")
        return _editor(request, state, blocks_error=error, status=400)
    form = BlockSettingsForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        kind=kind,
        block_data=None,
        store_timezone=store_settings_get().timezone,
        languages=_other_languages(),
    )
    if request.method == "POST":
        if len(state.working.blocks) >= MAX_BLOCKS:
            form.add_error(
                None, _("A page holds at most %(limit)d blocks; remove one first.") % {"limit": MAX_BLOCKS}
            )
            return _block_page(request, form=form, kind=kind, block=None, can_edit=True, status=400)
        return _block_save(request, state=state, form=form, kind=kind, block=None)
    return _block_page(request, form=form, kind=kind, block=None, can_edit=True)


@never_cache
@permission_required(Perm.THEME_VIEW, write=Perm.THEME_EDIT)
def theme_block_edit(request: HttpRequest, block_id: str) -> HttpResponse:
    state = store_theme_editor_get()
    block = _block_get(state, block_id)
    kind = BLOCK_TYPES[block.type]
    can_edit = user_has_permission(request.user, Perm.THEME_EDIT)
    form = BlockSettingsForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        kind=kind,
        block_data=block.data,
        store_timezone=store_settings_get().timezone,
        translations=block.translations,
        languages=_other_languages(),
        read_only=not can_edit,
    )
    if request.method == "POST":
        return _block_save(request, state=state, form=form, kind=kind, block=block)
    return _block_page(request, form=form, kind=kind, block=block, can_edit=can_edit)


@never_cache
@permission_required(Perm.THEME_EDIT)
def theme_block_remove(request: HttpRequest, block_id: str) -> HttpResponse:
    """Asks first (GET), removes from the draft on POST."""
    state = store_theme_editor_get()
    block = _block_get(state, block_id)
    kind = BLOCK_TYPES[block.type]
    if request.method == "POST":
        blocks = [item.to_json() for item in state.working.blocks if item.id != block.id]
        try:
            store_theme_save(data=_input(state.working, blocks=blocks), publish=False)
        except ThemeInvalid as invalid:
            messages.error(request, " ".join(theme_error_text(error) for error in invalid.errors))
            return redirect(EDITOR)
        return _saved(request, _("%(type)s removed from the draft.") % {"type": kind.label}, "theme-blocks")
    context = {"block": block, "kind": kind, "summary": _block_summary(block)}
    return render(request, "stores/dashboard/theme_block_remove.html", context)


@never_cache
@permission_required(Perm.THEME_EDIT)
def theme_discard(request: HttpRequest) -> HttpResponse:
    """Asks first (GET), forgets the draft on POST."""
    state = store_theme_editor_get()
    if request.method == "POST":
        store_theme_draft_discard()
        return _saved(request, _("The draft was discarded: the editor shows the published theme again."))
    return render(request, "stores/dashboard/theme_discard.html", {"state": state})
