"""Checks of a plain-language request and its row count before any work starts.

A request is a short description of a table, so it has a maximum length
(`MAX_REQUEST_CHARS`). The offline reader matches English words against the embedded
knowledge base, so `check_offline_language` rejects requests that are clearly in another
language instead of building a table from the few words it happens to recognize.
"""

from __future__ import annotations

import re
import unicodedata

from agentgan.errors import UsageError

MAX_REQUEST_CHARS = 4000
"""Longest request accepted, in characters. A request describes a table in a few
sentences; column-by-column specifications belong in a schema file (`--schema`)."""

MIN_FOREIGN_WORDS = 2
"""Function words of other languages a request needs before it is called non-English."""

_ENGLISH_WORDS = frozenset(
    """a an the and or of with for to in on by from between including include includes
    containing contains that which where each per about as at is are be like also some
    data dataset table rows records columns column generate create make synthetic""".split()
)
"""Common English function words and request words; they outweigh foreign ones."""

_FOREIGN_WORDS = frozenset(
    """de del la las los el y con para por una un unos datos tabla filas columnas generar
    le les des du et avec pour sur une donnees données tableau lignes colonnes générer
    der das und mit für von eine einen daten tabelle zeilen spalten erzeuge erstelle
    il di gli dati tabella righe colonne
    uma dados linhas colunas gerar
    het een voor gegevens rijen kolommen
    och för ett av rader kolumner""".split()
)
"""Function words and request words of Spanish, French, German, Italian, Portuguese, Dutch
and Swedish. Words that also occur in English requests (die, van, met, os, com, ein for
an employer number, e from e-mail) are left out."""

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def check_request(text: str | None, *, required: bool = True) -> str:
    """Return the request without surrounding blanks.

    Args:
        text: The request as given.
        required: Whether a blank request is an error; false when a schema file or a
            sample table describes the table instead.

    Raises:
        UsageError: the request is blank while required, or longer than
            `MAX_REQUEST_CHARS`.
    """
    stripped = (text or "").strip()
    if required and not stripped:
        raise UsageError(
            "The request is empty; describe the table, for example agentgan generate "
            '"customer churn data with age and gender" --rows 500 --out churn.csv.'
        )
    if len(stripped) > MAX_REQUEST_CHARS:
        raise UsageError(
            f"The request is {len(stripped)} characters long; the maximum is "
            f"{MAX_REQUEST_CHARS}. Shorten it, or write the columns as a schema file and "
            "pass it with --schema FILE."
        )
    return stripped


def check_offline_language(text: str) -> None:
    """Reject a request the offline reader cannot read because it is not in English.

    Raises:
        UsageError: most letters are outside the Latin script, or the request has more
            function words of another language than English words.
    """
    if looks_english(text):
        return
    raise UsageError(
        f"The request {_shorten(text)!r} does not look like English, and the offline "
        "knowledge base reads English only. Write the request in English, name the columns "
        "in it (for example 'with columns age, income and city'), or configure a chat "
        "model (AGENTGAN_MODEL, for example openai:gpt-4o-mini) to read other languages."
    )


def looks_english(text: str) -> bool:
    """Guess whether a request is written in English.

    The guess is deliberately lenient: a request passes unless most of its letters are
    outside the Latin script, or it contains at least `MIN_FOREIGN_WORDS` function words
    of another European language and more of those than English words.
    """
    letters = [char for char in text if char.isalpha()]
    if not letters:
        return True
    latin = sum(1 for char in letters if _is_latin(char))
    if latin < len(letters) / 2:
        return False

    words = [word.lower() for word in _WORD.findall(text)]
    english = sum(1 for word in words if word in _ENGLISH_WORDS)
    foreign = sum(1 for word in words if word in _FOREIGN_WORDS and word not in _ENGLISH_WORDS)
    return foreign < MIN_FOREIGN_WORDS or foreign <= english


def check_row_count(rows: int, source: str, maximum: int) -> int:
    """Return `rows` when it lies between 1 and `maximum`.

    Args:
        rows: The requested row count.
        source: Where the count came from, for the message ("the request", "--rows").
        maximum: The largest count a run accepts.

    Raises:
        UsageError: the count is below 1 or above `maximum`.
    """
    if rows < 1 or rows > maximum:
        raise UsageError(
            f"The row count {rows:,} from {source} is out of range; ask for between 1 and "
            f"{maximum:,} rows."
        )
    return rows


def _is_latin(char: str) -> bool:
    try:
        return unicodedata.name(char).startswith("LATIN")
    except ValueError:
        return False


def _shorten(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
