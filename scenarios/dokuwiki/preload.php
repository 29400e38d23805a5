<?php
// Per-node deployment config for DokuWiki (php.ini auto_prepend_file), in the place of
// Debian's /etc/dokuwiki/preload.php: DokuWiki reads its local config (local.php, users,
// ACL) from DOKU_CONF, here the node's own writable copy. DokuWiki's code is not touched.
if (!defined('DOKU_CONF') && getenv('PSL_APP_WRITABLE')) {
    define('DOKU_CONF', getenv('PSL_APP_WRITABLE') . '/conf/');
}
