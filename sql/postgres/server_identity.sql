-- Who this server really is, whatever host name the URL used: the cluster's system
-- identifier where we may read it, else the address and port it answers on.
SELECT current_database(),
       COALESCE((SELECT system_identifier::text FROM pg_control_system()),
                COALESCE(host(inet_server_addr()), 'local') || ':' || inet_server_port()::text)
