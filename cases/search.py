"""Finding cases by what was written: by number, by Chinese words, by substring.

Chinese has no spaces, so PostgreSQL's own parsers cannot find words in it. Every case's
description, address and text answers are cut into words by jieba (in its search mode,
which also emits the shorter words inside longer ones: 油烟机 → 油烟, 烟机, 油烟机) and
into every pair of adjacent Chinese characters; the tokens are stored as they are in a
tsvector (Case.search, GIN index) and queries are built from tokens too, so PostgreSQL's
own text parser (which depends on the database's locale) never sees Chinese text. A query
is cut the same way, so two-character words such as 油烟 are found whether or not jieba
knows them. Substrings of three characters and more (a shop name, a house number)
are found by a trigram index on the description (pg_trgm) where words fail.

On SQLite (make run) there is no tsvector: a plain icontains stands in.
"""

import logging
import re

from django.contrib.postgres.search import SearchQueryField
from django.db import connection
from django.db.models import BooleanField, F, Func, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

NUMBER = re.compile(r"^[A-Za-z]{1,6}-\d{4}-\d{1,9}$")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"\w", re.UNICODE)
MAX_QUERY = 100
_jieba = None


def _segmenter():
    """jieba, loaded on first use (its dictionary takes a second to load)."""
    global _jieba
    if _jieba is None:
        import jieba  # not at import time: loading its dictionary takes a second

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _jieba = jieba
    return _jieba


def tokens(text):
    """The search tokens of `text`: jieba's words (search mode) and every pair of adjacent
    Chinese characters, lower-cased, without punctuation, each once, in order."""
    text = (text or "").lower()
    seen = {}
    for word in _segmenter().cut_for_search(text):
        word = word.strip()
        if word and _WORD.search(word):
            seen.setdefault(word, None)
    for run in _CJK_RUN.findall(text):
        for i in range(len(run) - 1):
            seen.setdefault(run[i : i + 2], None)
    return list(seen)


def document(case):
    """The tokens of what search looks at in a case."""
    answers = [v for v in (case.answers or {}).values() if isinstance(v, str)]
    return tokens(" ".join([case.description, case.address, *answers]))


def uses_postgres():
    return connection.vendor == "postgresql"


def _quote(token):
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(words):
    """A tsvector in PostgreSQL's input syntax (for COPY in bulk loads)."""
    return " ".join(_quote(w) for w in words)


def index_case(case):
    """Store the search tokens of a newly filed case (PostgreSQL only)."""
    if uses_postgres():
        words = document(case)
        type(case).objects.filter(pk=case.pk).update(
            search=RawSQL("array_to_tsvector(%s::text[])", (words,))
        )


class _Matches(Func):
    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def is_number(query):
    return bool(NUMBER.match(query.strip()))


def matching(queryset, query):
    """Cases of `queryset` matching the words typed in `query`."""
    query = " ".join((query or "").split())[:MAX_QUERY]
    if not query:
        return queryset
    if is_number(query):
        return queryset.filter(number=query.upper())
    if not uses_postgres():
        return queryset.filter(
            Q(description__icontains=query) | Q(address__icontains=query) | Q(number=query)
        )
    words = _query_tokens(query)
    condition = Q()
    if words:
        # Every word must appear. Each is quoted as a lexeme, so nothing typed is read as
        # tsquery operators.
        literal = " & ".join(_quote(w) for w in words)
        condition |= Q(_Matches(F("search"), Cast(Value(literal), SearchQueryField())))
    if len(query) >= 3:
        condition |= Q(description__icontains=query)
    if not condition:
        return queryset.none()
    return queryset.filter(condition)


def _query_tokens(query):
    """What a query must match: jieba's precise words, with each Chinese run longer than a
    word it knows replaced by its character pairs (which the documents also hold)."""
    jieba = _segmenter()
    words = []
    for word in jieba.lcut(query.lower()):
        word = word.strip()
        if not word or not _WORD.search(word):
            continue
        if _CJK_RUN.fullmatch(word) and len(word) == 1:
            continue  # a single character is no word; the pairs around it cover it
        words.append(word)
    if not words:
        # Single characters only: the pairs of the whole query.
        for run in _CJK_RUN.findall(query):
            words.extend(run[i : i + 2] for i in range(len(run) - 1))
    return words
