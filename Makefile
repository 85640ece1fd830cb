# Two commands on a fresh clone: `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install serve corpus serve-corpus test test-fast check lock clean frontend chromium java

$(STAMP): pyproject.toml constraints.txt bench/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -c bench/constraints.txt -e '.[test,bench]'
	touch $(STAMP)

# The query page's editor (YASGUI from the npm registry), copied into server/pages/static/vendor:
# served by claimgraph itself, so the page works with no internet access.
YASGUI := server/pages/static/vendor/yasgui/yasgui.min.js
$(YASGUI): frontend/package.json frontend/package-lock.json frontend/copy-assets.mjs
	cd frontend && npm ci --ignore-scripts --no-audit --no-fund && npm run --silent build

frontend: $(YASGUI)

# Browser tests drive Debian's chromium through chromium-driver (Selenium).
chromium:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "make chromium: chromium and chromium-driver are missing; run it as root (browser tests will fail)" >&2; fi

# The OWL tests run HermiT (bundled with owlready2), a Java program: Debian's headless JRE.
java:
	@if command -v java >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; \
	else echo "make java: no Java runtime; run it as root (the HermiT tests will be skipped)" >&2; fi

install: $(STAMP) $(YASGUI)

serve: install
	$(BIN)/claimgraph build --if-empty
	$(BIN)/claimgraph serve --host $(HOST) --port $(PORT)

# The SpkAtt-2023 German Wikinews corpus (CC BY-NC-SA 4.0, never in the repository) as a second
# store beside the seed store: var/corpus (docs/corpus.md). Re-running skips unchanged articles.
SPKATT ?= ../shared/data/spkatt-2023
CORPUS ?= var/corpus
corpus: install
	@if [ ! -f "$(SPKATT)/index.tsv" ]; then \
	  echo "make corpus: no SpkAtt-2023 data at $(SPKATT) (index.tsv missing)." >&2; \
	  echo "  Get the Task 2 data (CC BY-NC-SA 4.0) from https://github.com/uhh-lt/news-speaker-attribution-2023," >&2; \
	  echo "  lay it out as docs/corpus.md describes (index.tsv, train/ID.json, dev/ID.json)," >&2; \
	  echo "  then run: make corpus SPKATT=/path/to/spkatt-2023" >&2; exit 1; fi
	$(BIN)/claimgraph import-spkatt --store $(CORPUS) $(SPKATT)

serve-corpus: corpus
	$(BIN)/claimgraph serve --store $(CORPUS) --host $(HOST) --port $(PORT)

# Guard rails: lint, format, types, and the layer contracts (pyproject.toml). mypy and
# import-linter read a tree of links that puts each folder at its import path (graph/ is
# claimgraph.graph), which neither can derive from the package-dir mapping; import-linter runs
# without site (-S) so that the editable install's import hook does not hide that tree.
TREE := $(VENV)/typecheck
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	rm -rf $(TREE) && mkdir -p $(TREE)/claimgraph && cp -s $(CURDIR)/claimgraph/*.py $(TREE)/claimgraph/
	for d in graph server ontology seeds; do \
	  (cd $$d && find . -name '*.py' -not -path '*/__pycache__/*' -not -path './pages/static/*' | while read f; do \
	    mkdir -p "$(CURDIR)/$(TREE)/claimgraph/$$d/$$(dirname $$f)" && ln -s "$(CURDIR)/$$d/$$f" "$(CURDIR)/$(TREE)/claimgraph/$$d/$$f"; done); done
	$(BIN)/mypy $(TREE)/claimgraph
	cd $(TREE) && ../bin/python -S -c "import sys; sys.path[:0] = ['.', *__import__('glob').glob('../lib/python3*/site-packages')]; \
	  sys.argv = ['lint-imports', '--no-cache', '$(CURDIR)/pyproject.toml']; \
	  from importlinter.cli import lint_imports_command; lint_imports_command()"

# Two test processes (pytest-xdist), each module on one of them (its module fixtures start once):
# the suite waits much of its time on servers and subprocesses, and 2 cores is the smallest machine.
test: check chromium java
	$(BIN)/python -m pytest -n 2 --dist loadfile

# Unit and in-process tests only (no server processes, no browsers, no external stores): < 60 s.
test-fast: install
	$(BIN)/python -m pytest -m "not slow and not server"

# Refresh the pinned versions after changing dependencies in pyproject.toml.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet '.[test]'
	.venv-lock/bin/pip freeze --all --exclude claimgraph --exclude pip > constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) build *.egg-info
