"""``litmap config --show``: the effective settings, each with the file it came from."""
from __future__ import annotations

from typing import Any

from .load import Loaded


def leaves(d: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out = []
    for k, v in d.items():
        if isinstance(v, dict):
            out.extend(leaves(v, prefix + (k,)))
        else:
            out.append((prefix + (k,), v))
    return out


def effective(loaded: Loaded) -> dict[str, Any]:
    labels = {str(path): label for label, path in loaded.layers}
    rows = []
    for key, value in leaves(loaded.settings.model_dump(mode="json")):
        src = loaded.source_of(key)
        rows.append({"key": ".".join(key), "value": value, "source": labels.get(src, src), "file": src})
    return {"project": str(loaded.root), "layers": [{"source": label, "file": str(path)} for label, path in loaded.layers],
            "settings": rows}


def render(eff: dict[str, Any]) -> str:
    import json

    lines = [f"# project folder: {eff['project']}", "# layers, later ones override earlier ones key by key:"]
    lines += [f"#   {ly['source']}: {ly['file']}" for ly in eff["layers"]]
    width = min(60, max(len(r["key"]) + len(json.dumps(r["value"], ensure_ascii=False)) for r in eff["settings"]) + 3)
    for r in eff["settings"]:
        text = f"{r['key']} = {json.dumps(r['value'], ensure_ascii=False)}"
        lines.append(f"{text.ljust(width)}  # {r['source']}")
    return "\n".join(lines)
