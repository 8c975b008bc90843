"""--flags as config and the command line kept with secrets redacted, as argv.test.ts."""
from tally.capture.argv import parse_flags, redact_argv


def test_reads_key_value_forms_into_numbers_booleans_and_strings():
    args = ['data.csv', '--lr=0.01', '--epochs', '5', '--amp', '--no-shuffle', '--optim', 'adam',
            '--warmup', '-1e-3', '--resume=false']
    flags = parse_flags(args)
    assert flags == {'lr': 0.01, 'epochs': 5, 'amp': True, 'shuffle': False, 'optim': 'adam', 'warmup': -0.001,
                     'resume': False}
    assert type(flags['epochs']) is int


def test_a_flag_before_another_flag_is_true_an_empty_value_stays_and_parsing_stops_at_double_dash():
    assert parse_flags(['--verbose', '--seed', '7', '--tag=', '--', '--ignored', '1']) == {'verbose': True, 'seed': 7,
                                                                                           'tag': ''}


def test_single_dash_flags_and_positionals_are_left_to_the_program():
    assert parse_flags(['-v', '-n', '3', 'train']) == {}


def test_secret_looking_flags_are_redacted_in_the_flags_and_the_command_line():
    args = ['python', 'train.py', '--api-key=sk-live-123', '--wandb_token', 'tok-9', '--lr', '0.1', '--auth']
    assert parse_flags(args[2:]) == {'api-key': '[redacted]', 'wandb_token': '[redacted]', 'lr': 0.1,
                                     'auth': '[redacted]'}
    assert redact_argv(args) == ['python', 'train.py', '--api-key=[redacted]', '--wandb_token', '[redacted]', '--lr',
                                 '0.1', '--auth']


def test_url_credentials_are_dropped_from_any_flag():
    args = ['python', 'train.py', '--db-url=postgres://alice:pw@db/x', '--data', 's3://AKIA:sec@bucket/d']
    assert parse_flags(args[2:]) == {'db-url': 'postgres://db/x', 'data': 's3://bucket/d'}
    assert redact_argv(args) == ['python', 'train.py', '--db-url=postgres://db/x', '--data', 's3://bucket/d']


def test_undecodable_arguments_are_stored_as_replacement_characters():
    # sys.argv carries bytes that are not UTF-8 as surrogate escapes, which JSON cannot encode.
    assert parse_flags(['--name=caf\udce9']) == {'name': 'caf\ufffd'}
    assert redact_argv(['x\udcff']) == ['x\ufffd']
