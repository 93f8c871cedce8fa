"""The command-line app: config model, naming, region catalog and the CLI.

Nothing here imports cdktf or jsii at module level, so validating a config and
printing ``--help`` stay fast. Synthesis lives in :mod:`app.synth`, which loads
the stacks (and with them cdktf) only when asked to synthesize.
"""
