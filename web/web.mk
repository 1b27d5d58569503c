# The browser console (web/): npm and Vite build web/src into web/dist,
# which the daemon serves from web.root. Included from the Makefile.
#
#   make web            build web/dist (npm ci first when needed)
#   make check-browser  the browser tests (tests/browser) against a real
#                       hotlined, in Debian's chromium through playwright-core
#   make web-size       what the operator's form ships, gzipped

WEB_SRC := $(shell find web/src -type f 2>/dev/null) web/vite.config.js \
           web/scripts/compress.mjs
# fonts-noto-cjk: headless chromium has no Chinese font otherwise.
BROWSER_PKGS := chromium fonts-noto-cjk

.PHONY: web web-size web-bench deps-web deps-browser check-browser install-web clean-web

all: web
check: check-browser
install: install-web
clean: clean-web

# Node and npm from Debian, only when the machine has none.
deps-web:
	$(if $(shell command -v node 2>/dev/null),,$(call install_missing,nodejs npm))
deps-browser:
	$(call install_missing,$(BROWSER_PKGS))

# npm ci when node_modules is missing or older than the lockfile.
web/node_modules/.installed: web/package-lock.json web/package.json | deps-web
	cd web && npm ci --no-audit --no-fund
	@touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SRC)
	cd web && npm run build

web: web/dist/index.html

web-size: web
	cd web && node scripts/size.mjs dist

check-browser: web daemon/hotlined | deps-browser deps-test
	node --test --test-concurrency=1 tests/browser/*.test.mjs

install-web: web
	install -d $(DESTDIR)$(PREFIX)/share/hotlined/web/assets
	install -m 0644 web/dist/index.html web/dist/index.html.gz \
	  $(DESTDIR)$(PREFIX)/share/hotlined/web/
	install -m 0644 web/dist/assets/* $(DESTDIR)$(PREFIX)/share/hotlined/web/assets/

clean-web:
	rm -rf web/dist web/build-manifest.json

# The operator's form: its size and its first render (bench/README.md).
web-bench: web daemon/hotlined | deps-browser
	cd web && node scripts/size.mjs dist
	node bench/console-render.mjs
