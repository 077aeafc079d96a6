# Tousu. `make run` serves the embedded default; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install messages chromium dovecot services run serve test lint format bench clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

# htmx and ECharts from npm, copied into build/static (STATICFILES_DIRS): served locally, no CDN.
build/static/vendor/.copied: package.json $(wildcard package-lock.json)
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
	mkdir -p build/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js build/static/vendor/
	touch $@

# Translations: msgfmt comes from Debian's gettext; .mo files are built, never committed.
messages: $(STAMP)
	command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)
	$(PY) manage.py compilemessages -i .venv -i node_modules -v0

install: $(STAMP) build/static/vendor/.copied messages

# The browser test drives Debian's Chromium (with a CJK font for the screenshots); Playwright
# never downloads a browser.
chromium:
	test -x /usr/bin/chromium -a -d /usr/share/fonts/truetype/wqy || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei)

# The mail tests start Debian's dovecot on a loopback port with a throwaway config (never as a service).
dovecot:
	test -x /usr/sbin/dovecot || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py train_triage --if-missing
	$(PY) manage.py load_demo
	@echo "Serving on http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/v1/docs)"
	$(VENV)/bin/gunicorn tousu.wsgi --bind $(HOST):$(PORT) --workers 2 --threads 4 \
		--access-logfile - --graceful-timeout 5

# PostgreSQL and Redis for the production-profile pass: Debian's packages, started on loopback by
# tools/services.sh (throwaway data under /tmp), never as system services.
services:
	tools/services.sh install

test: install chromium dovecot services
	$(PY) -m ruff check .
	$(PY) -m mypy .
	$(PY) manage.py makemigrations --check --dry-run -v1
	tools/test.sh

# The code is wrapped by hand at 100 columns (ruff's formatter is not used: it would rewrap it).
lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy .

format: install
	$(PY) -m ruff check --fix .

bench: install services
	tools/services.sh start >/dev/null  # load, capacity and peer measure on PostgreSQL and Redis
	$(PY) bench/run.py; status=$$?; tools/services.sh stop >/dev/null; exit $$status

clean:
	rm -rf $(VENV) var test-artifacts build node_modules
