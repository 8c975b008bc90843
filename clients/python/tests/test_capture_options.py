"""capture=... and TALLY_CAPTURE* into settings, as capture-options.test.ts."""
import pytest

from tally.capture.options import CaptureSettings, capture_settings
from tally.errors import TallyError

ALL = CaptureSettings(system=10.0, git=True, env=True, console=True, argv=True)
NONE = CaptureSettings(system=None, git=False, env=False, console=False, argv=False)


def test_everything_is_on_by_default():
    assert capture_settings(None, {}) == ALL


def test_the_environment_switches_each_capture_off_or_all_of_them():
    assert capture_settings(None, {'TALLY_CAPTURE_SYSTEM': '0', 'TALLY_CAPTURE_ENV': 'false'}) == CaptureSettings(
        system=None, git=True, env=False, console=True, argv=True
    )
    assert capture_settings(None, {'TALLY_CAPTURE': '0', 'TALLY_CAPTURE_GIT': '1'}) == CaptureSettings(
        system=None, git=True, env=False, console=False, argv=False
    )
    # Anything but a clear yes or no has no say.
    assert capture_settings(None, {'TALLY_CAPTURE': 'maybe', 'TALLY_CAPTURE_ARGV': ' OFF '}).argv is False
    assert capture_settings(None, {'TALLY_CAPTURE': 'maybe'}) == ALL


def test_an_explicit_option_beats_the_environment():
    env = {'TALLY_CAPTURE': '0'}
    assert capture_settings({'system': 2, 'argv': True}, env) == CaptureSettings(
        system=2.0, git=False, env=False, console=False, argv=True
    )
    assert capture_settings({'system': True}, {}).system == 10.0
    assert capture_settings({'console': False}, {}).console is False
    assert capture_settings(False, {'TALLY_CAPTURE_GIT': '1'}) == NONE
    assert capture_settings(True, {'TALLY_CAPTURE': '0', 'TALLY_CAPTURE_GIT': '0'}) == ALL


def test_unknown_options_and_bad_values_are_invalid_argument():
    for bad in ({'gpu': True}, {'git': 'yes'}, {'system': 0.5}, {'system': float('nan')}, {'system': 'fast'}, 'all', 1):
        with pytest.raises(TallyError) as e:
            capture_settings(bad, {})
        assert e.value.code == 'invalid_argument'
    with pytest.raises(TallyError, match='>= 1'):
        capture_settings({'system': 0.01}, {})
