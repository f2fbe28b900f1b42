module github.com/custos-dev/custos/bench

go 1.26.0

require (
	github.com/custos-dev/custos v0.0.0
	github.com/showa-93/go-mask v0.6.2
	github.com/stretchr/testify v1.12.1
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect

replace github.com/custos-dev/custos => ../
