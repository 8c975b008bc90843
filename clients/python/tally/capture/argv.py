"""The command line's ``--flags`` as hyperparameters, as ``argv.ts``.

``--lr=0.01``, ``--epochs 5``, ``--amp``, ``--no-amp``. Values read as numbers or booleans
when they look like one. Single-dash flags and positional arguments are not guessed at: their
meaning depends on the program's own parser. A flag whose name looks secret (``--api-key``)
has its value redacted, in the flags and in the command line kept with the run.
"""
from __future__ import annotations

import re
from typing import Dict, List, Sequence, Union

from .environment import REDACTED, looks_secret, strip_url_credentials
from .text import clean_text

FlagValue = Union[str, int, float, bool]

_FLAG = re.compile(r'^--([A-Za-z_][\w.-]*)(?:=([\s\S]*))?$', re.ASCII)
_NUMBER = re.compile(r'^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$', re.IGNORECASE | re.ASCII)


def parse_flags(args: Sequence[str]) -> Dict[str, FlagValue]:
    """The flags of ``args`` (the arguments after the script), later ones winning; stops at ``--``.

    >>> parse_flags(['data.csv', '--lr=0.01', '--epochs', '5', '--amp', '--no-shuffle'])
    {'lr': 0.01, 'epochs': 5, 'amp': True, 'shuffle': False}
    """
    out: Dict[str, FlagValue] = {}
    i = 0
    while i < len(args):
        arg = clean_text(args[i])
        i += 1
        if arg == '--':
            break
        m = _FLAG.match(arg)
        if m is None:
            continue
        name = m.group(1)
        value: FlagValue
        if m.group(2) is not None:
            value = _typed(m.group(2))
        elif i < len(args) and _is_value(args[i]):
            value = _typed(clean_text(args[i]))
            i += 1
        elif name.startswith('no-') and len(name) > 3:
            out[name[3:]] = False
            continue
        else:
            value = True
        # A URL's `user:password@` never stays, whatever the flag is called.
        out[name] = REDACTED if looks_secret(name) else strip_url_credentials(value) if isinstance(value, str) else value
    return out


def _is_value(arg: str) -> bool:
    """The next argument is this flag's value unless it is another flag (a negative number is a value)."""
    return not arg.startswith('-') or _NUMBER.match(arg) is not None


def _typed(text: str) -> FlagValue:
    if _NUMBER.match(text):
        # As JavaScript's Number(): an integral value without a fraction or exponent reads as int.
        if re.fullmatch(r'[+-]?\d+', text):
            n = int(text)
            return n if abs(n) <= 2**53 else float(n)
        return float(text)
    if text == 'true':
        return True
    if text == 'false':
        return False
    return text


def redact_argv(args: Sequence[str]) -> List[str]:
    """``args`` with the value of each secret-looking flag replaced by ``[redacted]``.

    >>> redact_argv(['train.py', '--api-key=sk-1', '--lr', '0.1'])
    ['train.py', '--api-key=[redacted]', '--lr', '0.1']
    """
    out: List[str] = []
    i = 0
    while i < len(args):
        arg = clean_text(args[i])
        i += 1
        m = _FLAG.match(arg)
        if m is None or not looks_secret(m.group(1)):
            out.append(strip_url_credentials(arg))
            continue
        if m.group(2) is not None:
            out.append(f'--{m.group(1)}={REDACTED}')
        else:
            out.append(arg)
            if i < len(args) and _is_value(args[i]):
                out.append(REDACTED)
                i += 1
    return out
