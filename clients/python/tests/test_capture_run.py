"""A real Python run with capture on, in a child process inside a temporary git repository,
read back through the TypeScript CLI and store: system series, git, environment, argv flags,
console lines, and secrets absent from every byte kept."""
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tally

from support import CLI, CLIENT

ENV_SECRET = 'sekrit-env-value-4242'
ARGV_SECRET = 'sk-argv-secret-7777'
VISIBLE = 'visible-env-value-5151'

CHILD = textwrap.dedent('''
    import sys, time
    import tally

    run = tally.init(project='cap', config={'epochs': 2}, capture={'system': 1}, dir=sys.argv[1])
    print('out one')
    print('err two', file=sys.stderr)
    sys.stdout.write('out ')
    sys.stdout.write('three\\n')
    run.log({'loss': 0.5})
    # Until the sampler has logged two samples (its steps are seconds since the run began).
    for _ in range(600):
        if run._system_step >= 2:
            break
        time.sleep(0.1)
    run.flush()
    print('last words', end='')
    run.finish()
    print('after finish')
    print('ID', run.id)
''')


def cli(*args):
    done = subprocess.run(['node', str(CLI), *args, '--json'], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + done.stdout
    return json.loads(done.stdout)


def git(cwd, *args):
    subprocess.run(['git', '-c', 'user.name=t', '-c', 'user.email=t@example.com', *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.fixture(scope='module')
def captured(tmp_path_factory):
    if not CLI.exists():
        pytest.fail(f'{CLI} is missing: run `npm run build` first')
    repo = tmp_path_factory.mktemp('repo')
    tally_dir = tmp_path_factory.mktemp('tally')
    git(repo, 'init', '-q', '-b', 'exp')
    (repo / 'train.py').write_text(CHILD)
    git(repo, 'add', 'train.py')
    git(repo, 'commit', '-q', '-m', 'train')
    git(repo, 'remote', 'add', 'origin', 'https://bob:gh-pass-31@example.com/lab/train.git')
    (repo / 'train.py').write_text(CHILD + '# edited after the commit\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith('TALLY_')}
    env.update({'PYTHONPATH': CLIENT, 'MY_SERVICE_TOKEN': ENV_SECRET, 'MY_VISIBLE_SETTING': VISIBLE})
    done = subprocess.run(
        [sys.executable, 'train.py', str(tally_dir), '--lr=0.01', '--epochs', '5', f'--api-key={ARGV_SECRET}'],
        cwd=repo, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.split('ID ')[-1].strip()
    run = cli('run', run_id, '--dir', str(tally_dir))
    return {'repo': repo, 'dir': tally_dir, 'id': run_id, 'run': run, 'stdout': done.stdout, 'stderr': done.stderr}


def test_cpu_and_memory_series_read_back_through_the_cli(captured):
    metrics = {m['key']: m for m in captured['run']['metrics']}
    for key in ('system/cpu_percent', 'system/memory_percent', 'system/memory_used_gb', 'system/process_rss_mb'):
        assert metrics[key]['count'] >= 2, key
    series = cli('series', captured['id'], 'system/cpu_percent', '--dir', str(captured['dir']))
    assert len(series['values']) >= 2
    assert all(0 <= v <= 100 for v in series['values'])
    assert series['steps'] == sorted(set(series['steps'])) and series['steps'][0] >= 1
    # System series keep their own timeline: the script's step counter is untouched.
    assert captured['run']['lastStep'] == 0


def test_git_state_with_the_uncommitted_diff_and_no_credentials(captured):
    g = captured['run']['system']['git']
    head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=captured['repo'], capture_output=True, text=True).stdout
    assert g['commit'] == head.strip()
    assert g['branch'] == 'exp'
    assert g['remote'] == 'https://example.com/lab/train.git'
    assert g['dirty'] is True
    assert '+# edited after the commit' in g['diff']
    assert 'diffTruncated' not in g


def test_environment_argv_flags_and_config(captured):
    run = captured['run']
    system = run['system']
    assert system['env']['runtime'] == 'python'
    assert system['env']['cpuCount'] == os.cpu_count()
    assert system['environ']['MY_SERVICE_TOKEN'] == '[redacted]'
    assert system['environ']['MY_VISIBLE_SETTING'] == VISIBLE
    assert system['argv'][1:] == ['train.py', str(captured['dir']), '--lr=0.01', '--epochs', '5',
                                  '--api-key=[redacted]']
    assert system['flags'] == {'lr': 0.01, 'epochs': 5, 'api-key': '[redacted]'}
    # Flags fill config; the script's own config wins.
    assert run['config'] == {'lr': 0.01, 'epochs': 2, 'api-key': '[redacted]'}


def test_console_lines_in_order_still_printed_and_released_on_finish(captured):
    assert captured['stdout'].startswith('out one\nout three\nlast wordsafter finish\n')
    assert 'err two\n' in captured['stderr']
    db = sqlite3.connect(str(captured['dir'] / 'tally.db'))
    try:
        lines = db.execute('SELECT stream, text FROM console_lines WHERE run_id = ? ORDER BY seq',
                           (captured['id'],)).fetchall()
    finally:
        db.close()
    assert lines == [('stdout', 'out one'), ('stderr', 'err two'), ('stdout', 'out three'), ('stdout', 'last words')]


def test_a_secret_looking_value_is_absent_from_every_byte_of_the_spool_and_the_store(captured):
    files = [p for p in Path(captured['dir']).rglob('*') if p.is_file()]
    assert any(p.suffix == '.tsp' for p in files) and any(p.name == 'tally.db' for p in files)
    everything = b''.join(p.read_bytes() for p in files)
    # The scan sees stored text: a variable that is not secret is there.
    assert VISIBLE.encode() in everything
    for secret in (ENV_SECRET, ARGV_SECRET, 'gh-pass-31'):
        assert secret.encode() not in everything, secret


def test_capture_false_records_only_the_base_system(tmp_path):
    run = tally.init(project='cap', dir=str(tmp_path), capture=False)
    run.finish()
    assert sorted(run.system) == ['arch', 'cwd', 'host', 'pid', 'platform', 'runtime']
    with pytest.raises(tally.TallyError) as e:
        tally.init(project='cap', dir=str(tmp_path), capture={'gpu': True})
    assert e.value.code == 'invalid_argument'
