"""Speaker names → canonical roles (agent, customer, system, bot), shared by every reader.

A name resolves in this order: the user's explicit map (``--role NAME=ROLE`` or a mapping file's
``roles:``), the builtin names below (exact, then by prefix, so 客服小王 is an agent), then the
``*`` entry of the user's map as a catch-all. Anything else is unknown and the reader rejects the
record naming the speaker.
"""

from __future__ import annotations

from collections.abc import Mapping

from qa.errors import InputError
from qa.model import ROLES
from qa.rules.text.normalize import NormalizeOptions, normalize_text

BUILTIN_ROLES: dict[str, str] = {
    # agent side
    "agent": "agent", "客服": "agent", "坐席": "agent", "waiter": "agent", "人工客服": "agent", "客服专员": "agent",
    "operator": "agent", "rep": "agent", "representative": "agent", "support": "agent", "staff": "agent",
    "客服人员": "agent", "服务员": "agent", "话务员": "agent", "专员": "agent", "售后": "agent", "售前": "agent",
    "工作人员": "agent", "csr": "agent", "advisor": "agent",
    # customer side
    "customer": "customer", "客户": "customer", "用户": "customer", "caller": "customer", "顾客": "customer",
    "买家": "customer", "client": "customer", "user": "customer", "来电人": "customer", "访客": "customer",
    "会员": "customer", "游客": "customer", "消费者": "customer", "buyer": "customer", "visitor": "customer",
    # others
    "system": "system", "系统": "system", "系统消息": "system", "action": "system", "系统提示": "system",
    "bot": "bot", "机器人": "bot", "智能客服": "bot", "机器人客服": "bot", "assistant": "bot", "ivr": "bot",
}
# Prefixes that carry a role when followed by a name or number: 客服小王, 用户123, Agent Smith.
_PREFIXES = sorted((k for k in BUILTIN_ROLES if len(k) >= 2), key=len, reverse=True)


def parse_role_map(items: Mapping | list | tuple | None, where: str = "roles") -> dict[str, str]:
    """Check a user role map (``{name: role}`` or ``["name=role", …]``); keys are compared case-folded."""
    if not items:
        return {}
    pairs: list[tuple[str, object]] = []
    if isinstance(items, Mapping):
        pairs = [(str(k), v) for k, v in items.items()]
    else:
        for item in items:
            name, sep, role = str(item).rpartition("=")
            if not sep or not name:
                raise InputError(f"expected NAME=ROLE, got {item!r}", field=where)
            pairs.append((name, role))
    out = {}
    for name, role in pairs:
        if role not in ROLES:
            raise InputError(f"speaker {name!r} maps to {role!r}, which is not a role; use one of {list(ROLES)}",
                             field=f"{where}.{name}")
        out[name.strip().casefold()] = role
    return out


def role_for(name: object, user_map: Mapping[str, str] | None = None) -> str | None:
    """The role of speaker ``name``, or None when it cannot be told."""
    if name is None:
        return (user_map or {}).get("*")
    key = str(name).strip().casefold()
    if user_map and key in user_map:
        return user_map[key]
    key = _plain(key)
    if key in BUILTIN_ROLES:
        return BUILTIN_ROLES[key]
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            rest = key[len(prefix):]
            if not rest[:1].isalpha() or not prefix.isascii() or not rest.isascii():
                return BUILTIN_ROLES[prefix]
            if rest[:1] in " _-.#":
                return BUILTIN_ROLES[prefix]
    if user_map:
        return user_map.get("*")
    return None


def _plain(key: str) -> str:
    """Simplified, half-width form of a speaker name, so 客戶 and ＡＧＥＮＴ are recognised."""
    if key.isascii():
        return key

    return normalize_text(key, NormalizeOptions(t2s=True, width=True, lowercase=True, whitespace=True)).text




def unknown_role_hint(name: object) -> str:
    return (f"map it with --role '{name}=agent' (or customer/system/bot), or add it under roles: in a mapping "
            f"file; '*=ROLE' maps every unknown speaker")
