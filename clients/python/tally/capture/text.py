"""Text that can be stored: valid UTF-8 without NUL, whatever the process was handed."""
from __future__ import annotations


def clean_text(text: str) -> str:
    """``text`` with undecodable bytes (surrogate escapes, lone surrogates) as U+FFFD and no NUL.

    os.environ, sys.argv and a console written with ``errors='surrogateescape'`` carry bytes
    that are not UTF-8 as lone surrogates, which JSON encoders refuse.

    >>> clean_text('ok\\udcff')
    'ok\\ufffd'
    """
    text = text.replace('\0', '')
    if text.isascii():
        return text
    try:
        return text.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')
    except UnicodeEncodeError:
        # Surrogates that no decoder produced: replace them outright.
        return text.encode('utf-8', 'replace').decode('utf-8')
