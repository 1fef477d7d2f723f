#!/bin/bash
# mkdeb.sh BUILD VERSION - `make deb`: the Debian binary package
# BUILD/nsmon_VERSION_ARCH.deb from a staged `make install` (PREFIX=/usr)
# with dpkg-deb; Depends from dpkg-shlibdeps, the control file, copyright
# and changelog from contrib/debian/.  Needs dpkg-dev (scripts/deps.sh).
set -euo pipefail
build=$1 version=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
arch=$(dpkg --print-architecture)
work=$(realpath -m "$build")/deb
root=$work/root
doc=$root/usr/share/doc/nsmon

rm -rf "$work"
mkdir -p "$work/debian" "$root/DEBIAN"
make -s -C "$here" install BUILD="$build" DESTDIR="$root" PREFIX=/usr \
	UNITDIR=/lib/systemd/system
# what Debian ships: a stripped binary, man pages and changelog gzipped -9n
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	"$root/usr/sbin/nsmon"
gzip -9n "$root"/usr/share/man/man8/*.8
install -m 0644 "$here/contrib/debian/copyright" "$doc/copyright"
gzip -9nc "$here/contrib/debian/changelog" >"$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

# dpkg-shlibdeps wants a source package's debian/control around it
printf 'Source: nsmon\n\nPackage: nsmon\nArchitecture: any\n' >"$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O -e"$root/usr/sbin/nsmon" |
	sed -n 's/^shlibs:Depends=//p')
[[ -n $depends ]] || { echo "mkdeb.sh: dpkg-shlibdeps found no Depends" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
grep -v '^#' "$here/contrib/debian/control" |
	sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" \
		-e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
	sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

deb=$build/nsmon_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
