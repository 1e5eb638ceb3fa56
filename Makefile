# The README's commands. `make run` and `make test` set everything up on a fresh machine (Python 3.11+ and make).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
SAMPLE := data/sample/fullbas.csv
PORT ?= 8501
#: `make test` runs the suite on this many processes (pytest-xdist); TEST_WORKERS=0 runs it in one.
TEST_WORKERS ?= 2

.PHONY: run test lint setup sample bench shots clean analyst load

run: setup sample ## start the app on the bundled sample data
	$(PY) -m streamlit run streamlit_app.py --server.port $(PORT)

ANALYST_PORT ?= 8502
ANALYST_ADDRESS ?= 127.0.0.1

analyst: setup sample ## the analyst app (upload, activate, switch, delete) on 127.0.0.1:8502; needs the analyst password
	$(PY) -m streamlit run analyst_app.py --server.port $(ANALYST_PORT) --server.address $(ANALYST_ADDRESS) \
		--server.maxUploadSize 1024

load: setup ## 20 reader sessions for 40 s on loopback while versions are activated, switched and deleted
	BASSTORY_LOAD_TEST=1 $(PY) -m pytest -q -s tests/test_load.py

test: setup lint ## lint, then run the whole test suite
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: setup ## ruff check over the whole tree
	$(VENV)/bin/ruff check .

setup: $(INSTALLED)

$(INSTALLED): requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "basstory needs Python 3.11 or newer (found " + sys.version.split()[0] + ")"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(INSTALLED)

sample: $(SAMPLE) ## generate the bundled sample extracts and make them the current dataset

$(SAMPLE): | setup
	$(PY) -m basstory sample --out data/sample
	$(PY) -m basstory ingest data/sample --name "Bundled sample" --activate

bench: setup ## ingest and facts at scales 1, 10 and 100 beside a plain-pandas baseline
	$(PY) -m basstory bench

shots: setup sample ## screenshot every page into /tmp/shots (needs Debian's chromium)
	$(PY) tools/shoot.py --out /tmp/shots

clean:
	rm -rf $(VENV) data/sample data/store .pytest_cache
