"""The member directory: finding members by member id, e-mail or name.

Staff search every member, an affiliate office its own; the sign-up trigger
finds the member whose e-mail a new account carries. No Scan: each member has a
few small entry items beside the profile, and every search is one Query of an
index over them.

- A *term* is a member id or a name, lower-cased, without accents and without
  punctuation ("Díaz" and "DIAZ" are both "diaz", "M-1001" is "m1001"). Each
  word of a name is a term of its own, so "Cruz" finds "de la Cruz".
- A search matches the members who have a term starting with each word of the
  query; an e-mail (a query with "@") matches the members whose e-mail equals
  it, whatever its case.
- The e-mail and the affiliate's list are keys of the profile itself (GSI1 and
  GSI3), so they change in the same write as the profile. Name and id terms need
  an item each: they are written *before* the profile they describe, and the
  profile's conditional write decides: a writer that loses rewrites the entries
  of what won (`repair`), so the entries always end up describing the stored
  profile.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from renewal import keys, paging
from renewal.adapters import store
from renewal.auth import Principal
from renewal.errors import ValidationFailed
from renewal.model import Model

# Queries shorter than this (after normalising) would read a whole index
# partition; two characters are what a search box needs before it suggests.
MIN_QUERY = 2
# Words of a name indexed on their own, after the whole name (bounded writes).
MAX_NAME_WORDS = 6
# What the summary of an entry holds: enough for a list row, nothing private beyond the e-mail.
SUMMARY = ("member_id", "first_name", "last_name", "email", "affiliate", "credentials")


class MemberSummary(Model):
    member_id: str
    name: str
    first_name: str
    last_name: str
    email: str | None = None
    affiliate: str | None = None
    credentials: list[str]


class MemberSearch(Model):
    items: list[MemberSummary]
    next_token: str | None = None


# ---------------------------------------------------------------- normalising


def fold(text: str) -> str:
    """Lower case without accents: NFKD splits "í" into "i" and a combining mark."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def term(text: str) -> str:
    """A search term: folded, letters and digits only."""
    return "".join(c for c in fold(text) if c.isalnum())


def email_key(email: str) -> str:
    """E-mail addresses compare without regard to case."""
    return email.strip().casefold()


def name_terms(name: str) -> list[str]:
    whole = term(name)
    words = [w for w in (term(part) for part in re.split(r"[\s\-'’.]+", name)) if len(w) >= MIN_QUERY]
    return _unique([whole, *words[:MAX_NAME_WORDS]])


def member_terms(profile: Mapping[str, Any]) -> list[str]:
    return _unique([term(profile["member_id"]), *name_terms(profile["first_name"]),
                    *name_terms(profile["last_name"])])


def _unique(values: Iterable[str]) -> list[str]:
    return [v for v in dict.fromkeys(values) if v]


# ---------------------------------------------------------------- entries


def _summary(profile: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "member_id": profile["member_id"],
        "first_name": profile["first_name"],
        "last_name": profile["last_name"],
        "email": (profile.get("contact") or {}).get("email"),
        "affiliate": profile.get("affiliate"),
        "credentials": [c["code"] for c in profile.get("credentials", [])],
    }


def entries(profile: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The directory entries of a profile (one per term), by sort key."""
    if not profile:
        return {}
    member_id, affiliate = profile["member_id"], profile.get("affiliate")
    summary = _summary(profile)
    terms = member_terms(profile)
    found: dict[str, dict[str, Any]] = {}
    for value in terms:
        record = {**keys.directory_key(member_id, f"{keys.DIRECTORY_TERM}{value}"), **summary, "terms": terms,
                  **keys.search_index(value, member_id)}
        if affiliate:
            record.update(keys.affiliate_search_index(affiliate, value, member_id))
        found[record[keys.SK]] = record
    return found


def profile_keys(profile: Mapping[str, Any]) -> dict[str, str]:
    """The index keys the profile itself carries: its e-mail (GSI1, for the e-mail
    lookup) and its affiliate's list (GSI3). On the profile, they change with it
    in the same write."""
    found: dict[str, str] = {}
    email = (profile.get("contact") or {}).get("email")
    if email:
        found.update(keys.email_index(email_key(email), profile["member_id"]))
    if profile.get("affiliate"):
        sort_name = f"{term(profile['last_name'])} {term(profile['first_name'])}"
        found.update(keys.affiliate_members_index(profile["affiliate"], sort_name, profile["member_id"]))
    return found


def changes(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> tuple[list[dict], list[dict]]:
    """(entries to put, keys to delete) to go from the entries of `previous` to those of `current`."""
    new, old = entries(current), entries(previous)
    stale = [keys.directory_key(current["member_id"], sk) for sk in old.keys() - new.keys()]
    return list(new.values()), stale


def summary_changed(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> bool:
    return previous is None or _summary(previous) != _summary(current)


def write(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> None:
    """Writes the entries of `current` (and drops those only `previous` had), before
    `current` itself is written."""
    puts, deletes = changes(previous, current)
    store.batch_write(puts=puts, deletes=deletes)


def repair(member_id: str, written: Mapping[str, Any]) -> None:
    """After a profile write lost to another writer: the entries written for the
    losing `written` profile make way for those of the profile that is stored."""
    stored = store.get(keys.member_key(member_id))
    puts, _ = changes(None, stored) if stored else ([], [])
    current = {record[keys.SK] for record in puts}
    deletes = [keys.directory_key(member_id, sk) for sk in entries(written) if sk not in current]
    store.batch_write(puts=puts, deletes=deletes)


# ---------------------------------------------------------------- reading


def members_with_email(email: str) -> list[str]:
    """The ids of the members whose e-mail on file is `email`, whatever its case
    (one Query of the profiles' e-mail index)."""
    return [item["member_id"] for item in store.query_all(keys.email_partition(email_key(email)), index=keys.GSI1)]


def search_members(principal: Principal, q: str, limit: int, next_token: str | None) -> MemberSearch:
    """Staff: every member whose id or a name starts with the query's words, or whose e-mail equals it."""
    principal.require_staff()
    if "@" in q:
        return _page(keys.email_partition(email_key(q)), keys.GSI1, None, [], limit, next_token)
    words = _query_words(q)
    primary = max(words, key=len)
    return _page(keys.search_partition(primary), keys.GSI1, primary, words, limit, next_token)


def affiliate_members(principal: Principal, q: str | None, limit: int, next_token: str | None) -> MemberSearch:
    """An affiliate office: its own members, by name (no query) or matching the query."""
    affiliate = principal.require_affiliate()
    if q is None or not q.strip():
        return _page(keys.affiliate_members_partition(affiliate), keys.GSI3, None, [], limit, next_token)
    if "@" in q:
        # One e-mail has at most a handful of members: the affiliate's are kept.
        found = _page(keys.email_partition(email_key(q)), keys.GSI1, None, [], limit, next_token)
        return MemberSearch(items=[m for m in found.items if m.affiliate == affiliate], next_token=found.next_token)
    words = _query_words(q)
    primary = max(words, key=len)
    return _page(keys.affiliate_search_partition(affiliate), keys.GSI3, primary, words, limit, next_token)


def _query_words(q: str) -> list[str]:
    # Split on spaces and commas only: "M-1001" and "Mary-Jane" stay one word each.
    words = [w for w in (term(part) for part in re.split(r"[\s,]+", q)) if w]
    if not words or max(len(w) for w in words) < MIN_QUERY:
        raise ValidationFailed(f"Type at least {MIN_QUERY} letters or digits of a name or member id, or an e-mail.",
                               details=[{"field": "q", "in": "query", "min_length": MIN_QUERY}])
    return words


def _page(partition: str, index: str, prefix: str | None, words: list[str], limit: int,
          next_token: str | None) -> MemberSearch:
    items, token = paging.page(partition, index=index, sk_prefix=prefix, limit=limit, next_token=next_token)
    found: dict[str, MemberSummary] = {}
    for entry in items:
        terms = entry.get("terms") or []
        # Every word must start a term of the member: "ana diaz" finds Ana Díaz, not Ana Smith.
        if all(any(t.startswith(w) for t in terms) for w in words):
            found.setdefault(entry["member_id"], _view(entry))
    return MemberSearch(items=list(found.values()), next_token=token)


def _view(item: Mapping[str, Any]) -> MemberSummary:
    """A row from a directory entry or from a profile (the e-mail and list indexes hold profiles)."""
    email = item["email"] if "email" in item else (item.get("contact") or {}).get("email")
    codes = [c["code"] if isinstance(c, Mapping) else c for c in item.get("credentials") or []]
    return MemberSummary(
        member_id=item["member_id"], name=f"{item['first_name']} {item['last_name']}",
        first_name=item["first_name"], last_name=item["last_name"], email=email,
        affiliate=item.get("affiliate"), credentials=codes,
    )
