#!/usr/bin/env bash
# The Debian package's checks, one per ctest entry (tests/package/CMakeLists.txt):
#   check_package.sh build BUILD_DIR OUT_DIR     cpack -G DEB in the build tree, into OUT_DIR
#   check_package.sh info OUT_DIR                dpkg-deb --info: name, version, architecture, Depends
#   check_package.sh contents OUT_DIR            dpkg-deb --contents: every file the package must hold
#   check_package.sh desktop OUT_DIR             desktop-file-validate on the packaged desktop file
#   check_package.sh appstream OUT_DIR           appstreamcli validate --no-net on the packaged metainfo
#   check_package.sh man OUT_DIR                 every packaged man page renders without a warning
set -euo pipefail

fail() { echo "check_package: $*" >&2; exit 1; }
the_deb() {
    local debs=("$1"/poolscope_*.deb)
    [ -f "${debs[0]}" ] || fail "no poolscope_*.deb in $1 (the package_build test makes it)"
    [ ${#debs[@]} -eq 1 ] || fail "more than one .deb in $1: ${debs[*]}"
    echo "${debs[0]}"
}
# The package's files unpacked into a fresh directory, to validate them as installed (not an install).
unpacked() {
    local dir="$work/unpacked"
    [ -d "$dir" ] || dpkg-deb -x "$(the_deb "$1")" "$dir"
    echo "$dir"
}
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mode="${1:-}"
case "$mode" in
build)
    build="$2"; out="$3"
    rm -rf "$out"; mkdir -p "$out"
    cpack --config "$build/CPackConfig.cmake" -G DEB -B "$out"
    deb="$(the_deb "$out")"
    echo "built $deb ($(stat -c %s "$deb") bytes)"
    ;;
info)
    deb="$(the_deb "$2")"
    dpkg-deb --info "$deb"
    field() { dpkg-deb --field "$deb" "$1"; }
    [ "$(field Package)" = poolscope ] || fail "Package is '$(field Package)', not poolscope"
    [ -n "$(field Version)" ] || fail "no Version"
    [ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture is '$(field Architecture)'"
    depends="$(field Depends)"
    # dpkg-shlibdeps must have run: the libraries the binary links, with versions.
    for lib in libc6 libqt6core6 libqt6gui6 libqt6widgets6 libqt6charts6 libqt6network6 libqt6svg6 libpq5 libsqlite3-0; do
        grep -Eq "(^|, )$lib( \(>= [^)]+\))?(,|$)" <<<"$depends" || fail "Depends lacks $lib: $depends"
    done
    grep -q "(>= " <<<"$depends" || fail "Depends has no versions (dpkg-shlibdeps did not run?): $depends"
    # Into variables first: with pipefail, `field X | grep -q` fails whenever grep exits before dpkg-deb has
    # written everything (SIGPIPE), which depends on timing.
    recommends="$(field Recommends)"
    description="$(field Description)"
    grep -q postgresql <<<"$recommends" || fail "Recommends lacks postgresql (the demo)"
    grep -q "PostgreSQL" <<<"$description" || fail "Description does not say what it is"
    ;;
contents)
    deb="$(the_deb "$2")"
    listing="$(dpkg-deb --contents "$deb")"
    echo "$listing"
    paths="$(awk '{print $6}' <<<"$listing")"
    need() { grep -qx "./$1" <<<"$paths" || fail "the package lacks /$1"; }
    need usr/bin/poolscope
    grep -Eq '^-rwxr-xr-x root/root .* \./usr/bin/poolscope$' <<<"$listing" || fail "/usr/bin/poolscope is not an executable owned by root"
    need usr/share/applications/poolscope.desktop
    need usr/share/metainfo/org.poolscope.PoolScope.metainfo.xml
    need usr/share/icons/hicolor/scalable/apps/poolscope.svg
    for size in 16 22 24 32 48 64 128 256 512; do
        need "usr/share/icons/hicolor/${size}x${size}/apps/poolscope.png"
    done
    need usr/share/poolscope/demo/demo.py
    need usr/share/man/man1/poolscope.1.gz
    # A man page for each sub-command the binary's usage lists.
    dir="$(unpacked "$2")"
    commands="$("$dir/usr/bin/poolscope" --help | sed -nE 's/^  poolscope ([a-z]+) .*/\1/p' | sort -u)"
    [ -n "$commands" ] || fail "poolscope --help lists no sub-command"
    for c in $commands; do need "usr/share/man/man1/poolscope-$c.1.gz"; done
    # The PNGs are the size their directory says.
    for size in 16 48 512; do
        kind="$(file "$dir/usr/share/icons/hicolor/${size}x${size}/apps/poolscope.png")"
        grep -q "PNG image data, $size x $size" <<<"$kind" || fail "the ${size}x${size} icon is not a ${size}x${size} PNG"
    done
    ;;
desktop)
    dir="$(unpacked "$2")"
    desktop="$dir/usr/share/applications/poolscope.desktop"
    output="$(desktop-file-validate "$desktop" 2>&1)" || fail "desktop-file-validate: $output"
    [ -z "$output" ] || fail "desktop-file-validate has remarks: $output"
    grep -qx "Icon=poolscope" "$desktop" || fail "the desktop file's Icon is not poolscope"
    [ -f "$dir/usr/share/icons/hicolor/scalable/apps/poolscope.svg" ] || fail "the icon it names is not in the package"
    exec_name="$(sed -nE 's/^Exec=([^ ]+).*/\1/p' "$desktop")"
    [ -x "$dir/usr/bin/$exec_name" ] || fail "Exec=$exec_name is not in /usr/bin of the package"
    ;;
appstream)
    dir="$(unpacked "$2")"
    appstreamcli validate --no-net --pedantic "$dir/usr/share/metainfo/org.poolscope.PoolScope.metainfo.xml"
    # The metainfo names the desktop file that the package installs, and the current version.
    grep -q '<launchable type="desktop-id">poolscope.desktop</launchable>' "$dir/usr/share/metainfo/org.poolscope.PoolScope.metainfo.xml" \
        || fail "the metainfo does not launch poolscope.desktop"
    version="$(dpkg-deb --field "$(the_deb "$2")" Version)"
    grep -q "<release version=\"$version\"" "$dir/usr/share/metainfo/org.poolscope.PoolScope.metainfo.xml" \
        || fail "the metainfo has no <release> for version $version"
    ;;
man)
    dir="$(unpacked "$2")"
    for page in "$dir"/usr/share/man/man1/*.1.gz; do
        name="$(basename "$page" .1.gz)"
        # groff's warnings are lintian's test of a man page (groff-message); it must also name itself.
        warnings="$(zcat "$page" | LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z 2>&1)"
        [ -z "$warnings" ] || fail "$name(1): $warnings"
        text="$(zcat "$page" | LC_ALL=C groff -man -Tascii 2>/dev/null | col -bx)"
        grep -q "^NAME" <<<"$text" || fail "$name(1) has no NAME section"
        grep -A1 "^NAME" <<<"$text" | grep -Eq "^ +$name +- " || fail "$name(1): its NAME is not '$name - ...'"
        grep -q "^SYNOPSIS" <<<"$text" || fail "$name(1) has no SYNOPSIS"
        if [ "$name" != poolscope ]; then
            grep -q "poolscope ${name#poolscope-} " <<<"$text" || fail "$name(1) does not show its usage"
        fi
        echo "$name(1): ok"
    done
    ;;
*)
    echo "usage: check_package.sh build|info|contents|desktop|appstream|man ..." >&2
    exit 2
    ;;
esac
