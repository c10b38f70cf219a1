"""Who may read and who may post (conductor.access): the two tokens and what each grants."""

import pytest

from conductor.access import OPEN, Grant, Tokens, bearer_of

BOTH = Tokens("write-token", "read-token")


@pytest.mark.parametrize(
    ("given", "grant"),
    [
        ("write-token", Grant.WRITE),
        ("read-token", Grant.READ),
        ("read-toke", Grant.NONE),
        ("read-token ", Grant.NONE),
        ("", Grant.NONE),
        (None, Grant.NONE),
        ("wrïte-token", Grant.NONE),
    ],
)
def test_each_token_grants_its_own(given: str | None, grant: Grant) -> None:
    assert BOTH.grant(given) is grant


def test_without_a_token_everything_is_granted() -> None:
    assert OPEN.grant(None) is Grant.WRITE
    assert OPEN.grant_in_url(None) is Grant.WRITE
    assert not OPEN.guarded


def test_the_api_token_alone_reads_and_writes_and_nothing_else_reads() -> None:
    alone = Tokens("write-token")
    assert alone.grant("write-token") is Grant.WRITE
    assert alone.grant("read-token") is Grant.NONE


def test_a_url_takes_only_the_read_token() -> None:
    assert BOTH.grant_in_url("read-token") is Grant.READ
    assert BOTH.grant_in_url("write-token") is Grant.NONE
    assert BOTH.grant_in_url(None) is Grant.NONE
    assert Tokens("write-token").grant_in_url("write-token") is Grant.NONE


def test_a_read_token_that_would_guard_nothing_or_post_is_a_problem() -> None:
    assert BOTH.problems() == []
    assert [p.path for p in Tokens(None, "read-token").problems()] == ["CONDUCTOR_API_READ_TOKEN"]
    (same,) = Tokens("token", "token").problems()
    assert same.message == "must differ from CONDUCTOR_API_TOKEN"


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer abc", "abc"),
        ("Basic abc", None),
        ("Bearer ", None),
        ("Bearer", None),
        (None, None),
        ("", None),
    ],
)
def test_the_bearer_token_of_an_authorization_header(header: str | None, token: str | None) -> None:
    assert bearer_of(header) == token
