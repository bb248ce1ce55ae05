package envtestutil

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// ClusterComponents are the processes StartCluster runs; each logs to <dir>/<name>.log.
var ClusterComponents = []string{"kube-controller-manager", "kube-scheduler", "kwok"}

// Cluster is what turns a started envtest control plane into something that behaves like a
// cluster: kube-controller-manager (WorkloadControllers), kube-scheduler, and kwok running
// the pods of simulated Nodes, so Deployments roll out to completion.
type Cluster struct {
	Dir        string // state directory: kubeconfig and one log per component
	Kubeconfig string // admin (system:masters) kubeconfig
	cancel     context.CancelFunc
	waits      []func() error
}

// StartCluster writes the admin kubeconfig into dir, starts the components against env and
// creates the given number of kwok Nodes, returning once they are schedulable. On error,
// whatever was started is stopped.
func StartCluster(ctx context.Context, env *envtest.Environment, dir string, nodes int) (*Cluster, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	c := &Cluster{Dir: dir, Kubeconfig: filepath.Join(dir, "kubeconfig"), cancel: cancel}
	if err := c.start(ctx, env, nodes); err != nil {
		return nil, errors.Join(err, c.Stop())
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context, env *envtest.Environment, nodes int) error {
	if err := WriteAdminKubeconfig(env, c.Kubeconfig); err != nil {
		return err
	}
	add := func(wait func() error, err error) error {
		if err == nil {
			c.waits = append(c.waits, wait)
		}
		return err
	}
	kcm := c.LogFile("kube-controller-manager")
	if err := add(StartControllerManager(ctx, c.Kubeconfig, WorkloadControllers, kcm)); err != nil {
		return err
	}
	if err := add(StartScheduler(ctx, c.Kubeconfig, c.LogFile("kube-scheduler"))); err != nil {
		return err
	}
	if err := add(StartKwok(ctx, c.Kubeconfig, filepath.Join(c.Dir, "kwok"), c.LogFile("kwok"))); err != nil {
		return err
	}
	cl, err := client.New(env.Config, client.Options{})
	if err != nil {
		return err
	}
	if err := CreateNodes(ctx, cl, nodes, 90*time.Second); err != nil {
		return fmt.Errorf("%w (see %s)", err, c.LogFile("kwok"))
	}
	return nil
}

// LogFile is where a component of ClusterComponents writes its output.
func (c *Cluster) LogFile(component string) string {
	return filepath.Join(c.Dir, component+".log")
}

// Stop interrupts every component and waits for them to exit.
func (c *Cluster) Stop() error {
	c.cancel()
	var errs []error
	for _, wait := range c.waits {
		if err := wait(); err != nil && !interrupted(err) {
			errs = append(errs, err)
		}
	}
	c.waits = nil
	return errors.Join(errs...)
}

// interrupted reports an exit caused by Stop's interrupt (exec reports it as the context's
// error, or as the exit status), rather than a process that had to be killed or not reaped.
func interrupted(err error) bool {
	var exit *exec.ExitError
	return errors.Is(err, context.Canceled) || errors.As(err, &exit)
}
