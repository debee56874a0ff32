# Quick start: `make demo` (set up, then audit the bundled incidents and sample) and `make test`.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: setup demo test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/enduse demo --out out

test: $(STAMP)
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .hypothesis
