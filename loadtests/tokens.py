"""Bearer tokens: where they come from, how users share them, how fast each may go.

Production allows 60 requests per minute per developer token, so a load test
against it needs a pool of tokens, each paced on the client side, and must
treat ``429 Too Many Requests`` as a signal to wait, not as a failure of the
service. Tokens are secrets: nothing here prints, logs or stores one, and
their ``repr`` is masked.
"""

from __future__ import annotations

import os
import time
from email.utils import parsedate_to_datetime
from pathlib import Path

TOKEN_ENV = "ALTOSTRAT_TOKEN"

# Without Retry-After, wait 1, 2, 4… seconds, at most this long.
MAX_BACKOFF_S = 30.0


class TokenError(ValueError):
    """A token source that cannot be used (the message never holds a token)."""


class Token(str):
    """A token string whose repr never shows it, so a stray log line or
    traceback cannot leak it."""

    def __repr__(self) -> str:
        return "Token(<redacted>)"


def load_tokens(token: str | None = None, token_file: str | None = None) -> list[Token]:
    """Tokens from ``--token-file`` (one a line), else ``--token``, else the
    ``ALTOSTRAT_TOKEN`` environment variable. May be empty: the embedded
    simulator accepts requests without one only when told to, so an empty
    pool means "send no Authorization header"."""
    if token_file:
        path = Path(token_file)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise TokenError(f"{path}: cannot read the token file ({exc.strerror}); check --token-file") from None
        tokens = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
        if not tokens:
            raise TokenError(f"{path}: the token file has no tokens; put one token a line")
        return [Token(t) for t in tokens]
    single = token or os.environ.get(TOKEN_ENV, "")
    return [Token(single.strip())] if single.strip() else []


class _Pacer:
    """Client-side pacing of one token: at most ``per_minute`` requests a
    minute, spread evenly. Slots are reserved before sleeping, so concurrent
    greenlets sharing the token queue up instead of bursting."""

    def __init__(self, per_minute: float) -> None:
        self.spacing = 60.0 / per_minute if per_minute > 0 else 0.0
        self.next_slot = 0.0

    def wait(self) -> None:
        if not self.spacing:
            return
        now = time.monotonic()
        slot = max(now, self.next_slot)
        self.next_slot = slot + self.spacing
        if slot > now:
            time.sleep(slot - now)


class TokenPool:
    """Tokens shared round-robin across users: user ``n`` uses token
    ``n mod len(pool)`` for all its requests, each token paced on its own."""

    def __init__(self, tokens: list[Token], per_minute: float = 0.0) -> None:
        self.tokens = tokens
        self._pacers = [_Pacer(per_minute) for _ in tokens]

    def __len__(self) -> int:
        return len(self.tokens)

    def __repr__(self) -> str:
        return f"TokenPool({len(self.tokens)} tokens)"

    def for_user(self, user_number: int) -> TokenLease:
        if not self.tokens:
            return TokenLease(None, _Pacer(0))
        index = user_number % len(self.tokens)
        return TokenLease(self.tokens[index], self._pacers[index])


class TokenLease:
    """One user's token and its pacer."""

    def __init__(self, token: Token | None, pacer: _Pacer) -> None:
        self.token = token
        self._pacer = pacer

    def __repr__(self) -> str:
        return "TokenLease(<redacted>)"

    def pace(self) -> None:
        self._pacer.wait()


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an
    HTTP date), or None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff for the ``attempt``-th retry (1-based) when the
    server gave no Retry-After."""
    return min(MAX_BACKOFF_S, 2.0 ** max(0, attempt - 1))
