"""Environment variables with secrets redacted, and the runtime description, as environment.test.ts."""
import os
import platform

from tally.capture.environment import (
    MAX_ENVIRON_CHARS,
    MAX_VALUE_CHARS,
    MAX_VARIABLES,
    environment_info,
    package_versions,
    redacted_environ,
)


def test_keeps_ordinary_variables_and_never_the_value_of_a_secret_looking_one():
    env = {
        'PATH': '/usr/bin',
        'CUDA_VISIBLE_DEVICES': '0,1',
        'OPENAI_API_KEY': 'sk-abc',
        'HF_TOKEN': 'hf_x',
        'aws_secret_access_key': 's',
        'DB_PASSWORD': 'p',
        'GOOGLE_APPLICATION_CREDENTIALS': '/k.json',
        'HTTP_AUTH': 'basic',
        'DATABASE_URL': 'postgres://alice:pw@db:5432/x',
    }
    assert redacted_environ(env) == {
        'CUDA_VISIBLE_DEVICES': '0,1',
        'DATABASE_URL': 'postgres://db:5432/x',
        'DB_PASSWORD': '[redacted]',
        'GOOGLE_APPLICATION_CREDENTIALS': '[redacted]',
        'HF_TOKEN': '[redacted]',
        'HTTP_AUTH': '[redacted]',
        'OPENAI_API_KEY': '[redacted]',
        'PATH': '/usr/bin',
        'aws_secret_access_key': '[redacted]',
    }
    assert list(redacted_environ(env)) == sorted(env)


def test_short_password_names_are_redacted_and_the_shells_pwd_kept():
    env = {'DB_PASS': 'x', 'MYSQL_PWD': 'y', 'SENTRY_DSN': 'https://k@o.example/1', 'PWD': '/home/a', 'PASSAGE': 'kept',
           'SSH_PRIVATE': 'p', 'SESSION_COOKIE': 'c', 'MY_PASS_FILE': 'f', 'DB_PASSWD': 'w'}
    assert redacted_environ(env) == {
        'DB_PASS': '[redacted]', 'DB_PASSWD': '[redacted]', 'MYSQL_PWD': '[redacted]', 'MY_PASS_FILE': '[redacted]',
        'PASSAGE': 'kept', 'PWD': '/home/a', 'SENTRY_DSN': '[redacted]', 'SESSION_COOKIE': '[redacted]',
        'SSH_PRIVATE': '[redacted]',
    }


def test_cuts_long_values_and_keeps_at_most_the_limits():
    env = {'LONG': 'x' * (MAX_VALUE_CHARS + 5)}
    for i in range(MAX_VARIABLES + 10):
        env[f'V{i:04d}'] = 'v'
    out = redacted_environ(env)
    assert len(out) == MAX_VARIABLES
    assert out['LONG'] == 'x' * MAX_VALUE_CHARS + '…'
    wide = {f'W{i:03d}': 'w' * MAX_VALUE_CHARS for i in range(100)}
    kept = redacted_environ(wide)
    assert 0 < len(kept) < 100
    assert sum(len(k) + len(v) for k, v in kept.items()) <= MAX_ENVIRON_CHARS


def test_undecodable_values_and_nul_are_made_storable():
    assert redacted_environ({'A': 'caf\udce9', 'B': 'x\0y'}) == {'A': 'caf\ufffd', 'B': 'xy'}


def test_describes_this_process_runtime_os_cpus_and_packages():
    info = environment_info()
    assert info['runtime'] == 'python'
    assert info['runtimeVersion'] == platform.python_version()
    assert info['implementation'] == platform.python_implementation()
    assert info['cpuCount'] == os.cpu_count()
    assert info['memoryTotalGb'] > 0
    assert isinstance(info['gpus'], list)
    # The test venv has pytest installed; its version is the one imported.
    import pytest

    assert info['packages']['pytest'] == pytest.__version__
    # A copy each time: a caller editing it does not change the next run's.
    info['packages'].clear()
    assert environment_info()['packages']


def test_packages_are_read_from_the_given_path_first_one_wins_and_sorted(tmp_path):
    for where, version in (('a', '2.0.0'), ('b', '1.0.0')):
        d = tmp_path / where / f'widget-{version}.dist-info'
        d.mkdir(parents=True)
        (d / 'METADATA').write_text(f'Metadata-Version: 2.1\nName: Widget\nVersion: {version}\n')
    other = tmp_path / 'a' / 'alpha-0.1.dist-info'
    other.mkdir()
    (other / 'METADATA').write_text('Metadata-Version: 2.1\nName: alpha\nVersion: 0.1\n')
    assert package_versions([str(tmp_path / 'a'), str(tmp_path / 'b')]) == {'alpha': '0.1', 'Widget': '2.0.0'}
    assert list(package_versions([str(tmp_path / 'b'), str(tmp_path / 'a')]).items()) == [('alpha', '0.1'),
                                                                                          ('Widget', '1.0.0')]
