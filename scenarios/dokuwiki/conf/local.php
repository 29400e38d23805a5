<?php
// DokuWiki local settings for the harness's nodes (copied into each node's writable dir).
$conf['title'] = 'php-session-lab DokuWiki';
$conf['savedir'] = getenv('PSL_APP_WRITABLE') . '/data';
$conf['useacl'] = 1;
$conf['authtype'] = 'authplain';
$conf['superuser'] = '@admin';
// The trail of visited pages lives in the session only: the journey's session assertion.
$conf['breadcrumbs'] = 10;
$conf['userewrite'] = 0;
$conf['lang'] = 'en';
