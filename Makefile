# Two commands on a fresh clone: `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install serve test lock clean frontend chromium java

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

test: install chromium java
	$(BIN)/python -m pytest

# Refresh the pinned versions after changing dependencies in pyproject.toml.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet '.[test]'
	.venv-lock/bin/pip freeze --all --exclude claimgraph --exclude pip > constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) build *.egg-info
