#!/usr/bin/env bash
# test/tune-conntrack.sh apply|restore STATEFILE
# The test suite (and CI's gate and docker steps) open thousands of loopback connections per
# second. Where Docker (or any iptables rule) turns on netfilter connection tracking, each is
# tracked 120 s in TIME_WAIT and a full table drops packets; the harness's conntrack guard then
# marks the runs invalid, as it should. For its own runs the suite tunes the machine the way
# `npm run doctor` advises: a bigger table, TIME_WAIT entries forgotten after 10 s (TCP's own
# TIME_WAIT is unchanged). `apply` saves the old values in STATEFILE (once); `restore` puts
# them back. As root only; elsewhere it says why and does nothing.
set -u
action="${1:-}"
state="${2:-}"
ct=/proc/sys/net/netfilter
case "$action" in
  apply)
    if [ "$(id -u)" != 0 ]; then echo "tune-conntrack: not root: conntrack left as it is (npm run doctor says what to change)" >&2; exit 0; fi
    # Load the module now, so the values hold when Docker starts tracking later in the suite.
    [ -e "$ct/nf_conntrack_max" ] || modprobe nf_conntrack 2>/dev/null || true
    if [ ! -w "$ct/nf_conntrack_max" ] || [ ! -w "$ct/nf_conntrack_tcp_timeout_time_wait" ]; then
      echo "tune-conntrack: no writable $ct here: nothing to tune" >&2
      exit 0
    fi
    [ -s "$state" ] || echo "$(cat "$ct/nf_conntrack_max") $(cat "$ct/nf_conntrack_tcp_timeout_time_wait")" >"$state"
    echo 1048576 >"$ct/nf_conntrack_max"
    echo 10 >"$ct/nf_conntrack_tcp_timeout_time_wait"
    echo "tune-conntrack: nf_conntrack_max 1048576, tcp_timeout_time_wait 10 s for the suite (was $(cat "$state"))" >&2
    ;;
  restore)
    [ -s "$state" ] || exit 0
    read -r max tw <"$state"
    echo "$max" >"$ct/nf_conntrack_max" 2>/dev/null || true
    echo "$tw" >"$ct/nf_conntrack_tcp_timeout_time_wait" 2>/dev/null || true
    rm -f "$state"
    ;;
  *) echo "usage: $0 apply|restore STATEFILE" >&2; exit 2 ;;
esac
