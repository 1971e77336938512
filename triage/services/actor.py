"""Who is acting: passed into every service call, so services never read Flask globals."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    type: str  # user / api / job / system / anonymous
    id: str | None = None
    request_id: str | None = None
    ip: str | None = None
    user_id: int | None = None

    @classmethod
    def for_user(cls, user, *, request_id=None, ip=None, via: str = "user") -> Actor:
        return cls(via, str(user.id), request_id=request_id, ip=ip, user_id=user.id)

    @classmethod
    def job(cls, name: str, *, request_id: str | None = None) -> Actor:
        return cls("job", name, request_id=request_id)

    @classmethod
    def system(cls, name: str = "cli") -> Actor:
        return cls("system", name)

    @classmethod
    def anonymous(cls, *, request_id=None, ip=None) -> Actor:
        return cls("anonymous", None, request_id=request_id, ip=ip)
