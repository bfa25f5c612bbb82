module l7trace/go_tls

go 1.19
