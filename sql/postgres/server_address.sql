SELECT current_database(), COALESCE(host(inet_server_addr()), 'local') || ':' || current_setting('port')
