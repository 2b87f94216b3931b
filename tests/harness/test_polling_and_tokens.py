"""Poll schedules and token handling."""

import itertools
import time
from random import Random

import pytest

from loadtests.polling import PollSchedule
from loadtests.tokens import Token, TokenError, TokenPool, backoff_seconds, load_tokens, retry_after_seconds


def test_schedule_first_then_backoff_to_cap():
    schedule = PollSchedule(first_s=0.1, interval_s=0.5, backoff=2, max_interval_s=3, jitter=0)
    assert list(itertools.islice(schedule.delays(Random(1)), 6)) == [0.1, 0.5, 1.0, 2.0, 3.0, 3.0]


def test_jitter_spreads_within_bounds():
    schedule = PollSchedule(first_s=1, interval_s=1, jitter=0.2)
    delays = list(itertools.islice(schedule.delays(Random(1)), 500))
    assert all(0.8 <= d <= 1.2 for d in delays)
    assert max(delays) - min(delays) > 0.3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"interval_s": 0}, "--poll-interval"), ({"backoff": 0.5}, "--poll-backoff"),
     ({"max_interval_s": 0.1}, "--poll-max"), ({"jitter": 1.5}, "--poll-jitter"), ({"first_s": -1}, "--poll-first")],
)
def test_bad_schedules_name_the_option(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PollSchedule(**kwargs)


def test_tokens_from_file_env_and_option(tmp_path, monkeypatch):
    file = tmp_path / "tokens.txt"
    file.write_text("# pool\nalpha\n\n beta \n")
    assert load_tokens(token_file=str(file)) == ["alpha", "beta"]
    monkeypatch.setenv("ALTOSTRAT_TOKEN", "from-env")
    assert load_tokens() == ["from-env"]
    assert load_tokens(token="given") == ["given"]
    monkeypatch.delenv("ALTOSTRAT_TOKEN")
    assert load_tokens() == []
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(TokenError, match="has no tokens"):
        load_tokens(token_file=str(tmp_path / "empty.txt"))
    with pytest.raises(TokenError, match="cannot read the token file"):
        load_tokens(token_file=str(tmp_path / "missing.txt"))


def test_tokens_never_show_in_repr():
    pool = TokenPool([Token("secret-value-123")])
    lease = pool.for_user(0)
    for text in (repr(pool), repr(lease), repr(lease.token), repr([lease.token])):
        assert "secret-value-123" not in text
    assert lease.token == "secret-value-123"


def test_round_robin_assignment():
    pool = TokenPool([Token("a"), Token("b"), Token("c")])
    assert [pool.for_user(n).token for n in range(5)] == ["a", "b", "c", "a", "b"]
    assert TokenPool([]).for_user(3).token is None


def test_per_token_pacing_spaces_requests():
    lease = TokenPool([Token("a")], per_minute=600).for_user(0)  # one every 0.1 s
    started = time.monotonic()
    for _ in range(4):
        lease.pace()
    elapsed = time.monotonic() - started
    assert 0.28 <= elapsed < 0.6


def test_retry_after_and_backoff():
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    from email.utils import formatdate

    in_ten = retry_after_seconds(formatdate(time.time() + 10, usegmt=True))
    assert 8 <= in_ten <= 10.5
    assert [backoff_seconds(n) for n in (1, 2, 3, 10)] == [1, 2, 4, 30]
