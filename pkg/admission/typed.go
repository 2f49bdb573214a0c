package admission

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// Validator is a typed admission validator: controller-runtime v0.20 offers only the untyped
// CustomValidator, so typed adapts one to the other and the rules see *T, never runtime.Object.
type Validator[T runtime.Object] interface {
	ValidateCreate(ctx context.Context, obj T) (admission.Warnings, error)
	ValidateUpdate(ctx context.Context, oldObj, newObj T) (admission.Warnings, error)
	ValidateDelete(ctx context.Context, obj T) (admission.Warnings, error)
}

type typed[T runtime.Object] struct{ v Validator[T] }

var _ admission.CustomValidator = typed[runtime.Object]{}

func (t typed[T]) ValidateCreate(ctx context.Context, obj runtime.Object) (admission.Warnings, error) {
	o, err := as[T](obj)
	if err != nil {
		return nil, err
	}
	return t.v.ValidateCreate(ctx, o)
}

func (t typed[T]) ValidateUpdate(ctx context.Context, oldObj, newObj runtime.Object) (admission.Warnings, error) {
	o, err := as[T](oldObj)
	if err != nil {
		return nil, err
	}
	n, err := as[T](newObj)
	if err != nil {
		return nil, err
	}
	return t.v.ValidateUpdate(ctx, o, n)
}

func (t typed[T]) ValidateDelete(ctx context.Context, obj runtime.Object) (admission.Warnings, error) {
	o, err := as[T](obj)
	if err != nil {
		return nil, err
	}
	return t.v.ValidateDelete(ctx, o)
}

func as[T runtime.Object](obj runtime.Object) (T, error) {
	o, ok := obj.(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("expected %T, got %T", zero, obj)
	}
	return o, nil
}
