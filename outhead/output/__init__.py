"""The output layer: one emitter per format.

* :mod:`~outhead.output.human`: Rich reports (``inspect``, ``check``);
* :mod:`~outhead.output.json_doc`: one JSON document on stdout;
* :mod:`~outhead.output.github`: GitHub Actions annotations (``check --format github``).
"""
