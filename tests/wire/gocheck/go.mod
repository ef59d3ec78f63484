module cpasdk.test/wirecheck

go 1.26.0

require github.com/router-for-me/CLIProxyAPI/v7 v7.2.140
