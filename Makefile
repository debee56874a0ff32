# Quick start: `make demo` (set up, then audit the bundled incidents and sample) and `make test`.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: setup browser demo test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/enduse demo --out out

# Browser tests (report, web page) drive Debian's Chromium; installed here when missing.
browser:
	@command -v chromium >/dev/null || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium)

test: $(STAMP) browser
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .hypothesis
