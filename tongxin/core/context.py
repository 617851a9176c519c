"""Who is acting, from where: set by the request middleware or by a command, read by the audit log."""

import contextlib
import contextvars
import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    user: object | None = None
    ip: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    source: str = "web"


_actor: contextvars.ContextVar[Actor] = contextvars.ContextVar("tongxin_actor", default=Actor(source="system"))  # noqa: B039 - Actor is frozen


def current_actor() -> Actor:
    return _actor.get()


@contextlib.contextmanager
def acting_as(user=None, ip: str | None = None, source: str = "cli"):
    token = _actor.set(Actor(user=user, ip=ip, source=source))
    try:
        yield
    finally:
        _actor.reset(token)


def set_actor(actor: Actor):
    return _actor.set(actor)


def reset_actor(token) -> None:
    _actor.reset(token)
