package tracing

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
)

func resourceFor(service string) *resource.Resource {
	return resource.NewSchemaless(attribute.String("service.name", "microlearn-"+service))
}
